import Dispatch
import InfergateCore

/// Shutdown: refuse new rows, flush the queue, checkpoint, close the connection.
extension AuditWriter {
    /// Flushes every queued row and closes the database; later `submit`s throw `audit_unavailable`.
    func close() async {
        let wasClosed = shared.withLock { state in
            defer { state.isClosed = true }
            return state.isClosed
        }
        guard !wasClosed else {
            return
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.finish()
                continuation.resume()
            }
        }
    }

    private func finish() {
        if database == nil {
            // One last attempt, so rows queued while the file was unavailable get their chance.
            open()
        }
        drain()
        let (leftover, spaceWaiters) = shared.withLock { state in
            defer {
                state.pending.removeAll()
                state.spaceWaiters.removeAll()
            }
            return (state.pending, state.spaceWaiters)
        }
        if !leftover.isEmpty {
            logger.error("audit.close.rows_lost", ["audit.rows": String(leftover.count)])
        }
        let closed = AuditError(code: AuditError.unavailable, message: "audit log is closed")
        for pending in leftover {
            pending.waiter?.resume(returning: .failed(closed))
        }
        for waiter in spaceWaiters {
            waiter.resume(returning: .failed(closed))
        }
        do throws(AuditError) {
            try database?.connection.checkpointTruncating()
        } catch {
            logger.warning("audit.checkpoint.failed", ["audit.error": error.description])
        }
        database = nil
    }
}
