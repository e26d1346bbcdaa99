import Dispatch
import InfergateCore

/// Retention: pruning old rows in small transactions on `queue`, between write batches.
///
/// Rows leave strictly from the head of the chain (lowest seq first), and the hash of the last
/// pruned row moves into `chain_anchor` in the same transaction, so `audit verify` still
/// checks every remaining row. Freed pages go back to the file system by incremental vacuum.
extension AuditWriter {
    static let pruneBatchRows = 500
    static let vacuumPagesPerBatch = 2_048

    /// Arms the periodic maintenance timer; it stops once the log is closed.
    func scheduleMaintenance() {
        guard configuration.retentionDays != nil || configuration.maxRows != nil else {
            return
        }
        let interval = max(10, configuration.maintenanceIntervalMilliseconds)
        queue.asyncAfter(deadline: .now() + .milliseconds(interval)) {
            guard !self.shared.withLock({ $0.isClosed }) else {
                return
            }
            self.pruneStep()
            self.scheduleMaintenance()
        }
    }

    /// Prunes one batch; when more remain, queues the next step behind any waiting writes.
    func pruneStep() {
        guard let database, shared.withLock({ $0.isWritable && !$0.isClosed }) else {
            return
        }
        do throws(AuditError) {
            let pruned = try prune(database)
            if pruned > 0 {
                logger.debug("audit.retention.pruned", ["audit.rows": String(pruned)])
            }
            if pruned == Self.pruneBatchRows {
                queue.async { self.pruneStep() }
            }
        } catch {
            logger.warning("audit.retention.failed", ["audit.error": error.description])
        }
    }

    /// Deletes up to `pruneBatchRows` of the oldest rows that are past retention; returns how many.
    private func prune(_ database: WriterDatabase) throws(AuditError) -> Int {
        let connection = database.connection
        var excess: Int64 = 0
        if let maxRows = configuration.maxRows {
            let count = try connection.scalar("SELECT count(*) FROM audit_rows") ?? 0
            excess = max(0, count - Int64(max(0, maxRows)))
        }
        let cutoff = configuration.retentionDays.map { days in
            timeSource.wallMicroseconds - Int64(days) * 86_400_000_000
        }
        let head = try connection.prepare("SELECT seq, received_at, row_hash FROM audit_rows ORDER BY seq LIMIT ?")
        try head.bind([.integer(Int64(Self.pruneBatchRows))])
        var last: (seq: Int64, hash: String)?
        var count = 0
        while try head.step() {
            let isExcess = Int64(count) < excess
            let isExpired = cutoff.map { head.int64(1) < $0 } ?? false
            guard isExcess || isExpired else {
                break
            }
            last = (head.int64(0), head.text(2))
            count += 1
        }
        head.reset()
        guard let last else {
            return 0
        }
        try connection.execute("BEGIN IMMEDIATE")
        do throws(AuditError) {
            let delete = try connection.prepare("DELETE FROM audit_rows WHERE seq <= ?")
            try delete.run([.integer(last.seq)])
            let anchor = try connection.prepare(
                "INSERT INTO chain_anchor (id, seq, row_hash, pruned_at) VALUES (1, ?, ?, ?) "
                    + "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, row_hash = excluded.row_hash, "
                    + "pruned_at = excluded.pruned_at"
            )
            try anchor.run([.integer(last.seq), .text(last.hash), .integer(timeSource.wallMicroseconds)])
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        try connection.execute("PRAGMA incremental_vacuum(\(Self.vacuumPagesPerBatch))")
        return count
    }
}
