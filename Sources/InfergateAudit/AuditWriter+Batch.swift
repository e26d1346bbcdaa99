import Dispatch
import InfergateCore

/// Group commit: everything here runs on `queue`.
extension AuditWriter {
    /// Commits queued rows batch by batch until the queue is empty or the database fails.
    func drain() {
        while let batch = takeBatch() {
            write(batch)
        }
    }

    /// Moves up to `maxBatchRows` rows from pending to in-flight, or clears the drain flag.
    private func takeBatch() -> [PendingRow]? {
        shared.withLock { state -> [PendingRow]? in
            guard state.isWritable, database != nil, !state.pending.isEmpty else {
                state.isDrainScheduled = false
                return nil
            }
            let count = min(max(1, configuration.maxBatchRows), state.pending.count)
            let batch = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            state.inFlight += count
            return batch
        }
    }

    private func write(_ batch: [PendingRow]) {
        do throws(AuditError) {
            guard let database else {
                throw AuditError(code: AuditError.unavailable, message: "audit database is not open")
            }
            try database.append(batch.map(\.row))
        } catch {
            fail(batch, with: error)
            return
        }
        let spaceWaiters = shared.withLock { state in
            state.inFlight -= batch.count
            state.committedRows += Int64(batch.count)
            state.committedTransactions += 1
            defer { state.spaceWaiters.removeAll() }
            return state.spaceWaiters
        }
        for pending in batch {
            pending.waiter?.resume(returning: .committed)
        }
        for waiter in spaceWaiters {
            waiter.resume(returning: .retry)
        }
    }

    /// Marks the log unwritable, fails durable waiters, keeps buffered rows, and starts recovery.
    ///
    /// Durable callers learn of the failure and own it (the gateway refuses the request), so
    /// their rows leave the queue; buffered rows were already acknowledged and stay queued.
    private func fail(_ batch: [PendingRow], with error: AuditError) {
        logger.error(
            "audit.write.failed",
            ["audit.error": error.description, "audit.rows": String(batch.count)]
        )
        let (failed, spaceWaiters) = shared.withLock { state in
            state.inFlight -= batch.count
            state.isWritable = false
            state.lastError = error.description
            state.pending.insert(contentsOf: batch, at: 0)
            let failed = state.pending.filter { $0.waiter != nil }
            state.pending.removeAll { $0.waiter != nil }
            defer { state.spaceWaiters.removeAll() }
            return (failed, state.spaceWaiters)
        }
        let unavailable = AuditError(
            code: AuditError.unavailable,
            message: "audit database cannot be written",
            sqliteCode: error.sqliteCode,
            operation: error.operation
        )
        for pending in failed {
            pending.waiter?.resume(returning: .failed(unavailable))
        }
        for waiter in spaceWaiters {
            waiter.resume(returning: .retry)
        }
        database = nil
        scheduleRecovery()
    }

    /// Tries to reopen the database after the current backoff, doubling it up to five seconds.
    func scheduleRecovery() {
        guard !isRecoveryScheduled else {
            return
        }
        isRecoveryScheduled = true
        let delay = recoveryDelayMilliseconds
        recoveryDelayMilliseconds = min(delay * 2, Self.maximumRecoveryDelayMilliseconds)
        queue.asyncAfter(deadline: .now() + .milliseconds(delay)) {
            self.isRecoveryScheduled = false
            guard !self.shared.withLock({ $0.isClosed }) else {
                return
            }
            if self.open() == nil {
                self.drain()
            } else {
                self.scheduleRecovery()
            }
        }
    }

    /// Opens the database and proves it writable; on success (nil) the log accepts rows again.
    @discardableResult
    func open() -> AuditError? {
        do throws(AuditError) {
            let opened = try WriterDatabase(path: configuration.path, isFullSync: isDurable)
            try opened.probeWrite(nowMicros: timeSource.wallMicroseconds)
            database = opened
        } catch {
            database = nil
            shared.withLock { state in
                state.isWritable = false
                state.lastError = error.description
            }
            logger.warning("audit.open.failed", ["audit.error": error.description])
            return error
        }
        let wasDown = shared.withLock { state in
            defer {
                state.isWritable = true
                state.lastError = nil
            }
            return state.lastError != nil
        }
        if wasDown {
            logger.info("audit.recovered", ["audit.path": configuration.path])
        }
        recoveryDelayMilliseconds = Self.initialRecoveryDelayMilliseconds
        return nil
    }
}
