import Dispatch
import InfergateCore

/// The audit log: one SQLite row per request, hash-chained, written by a single writer.
///
/// `record` is safe from any task. Rows go through a bounded queue to one serial writer queue
/// that owns the only write connection and commits them in groups. While the file cannot be
/// written, `health.isWritable` is false, `record` throws `audit_unavailable`, and the writer
/// keeps retrying to reopen the file with a backoff of 50 ms doubling up to 5 s.
public final class AuditLog: Sendable {
    private let writer: AuditWriter
    private let redactor: AuditRedactor
    private let maxBodyBytes: Int

    /// Opens or creates the database (folders, mode 0600, WAL, migrations) and starts the writer.
    ///
    /// Throws when the file cannot be opened, unless `allowUnaudited` is set: the log then starts
    /// unwritable and keeps retrying in the background.
    public init(
        configuration: AuditConfiguration,
        logger: Logger,
        timeSource: any TimeSource = SystemTimeSource()
    ) throws(AuditError) {
        writer = AuditWriter(configuration: configuration, logger: logger, timeSource: timeSource)
        redactor = AuditRedactor(extraHeaders: configuration.redactedHeaders)
        maxBodyBytes = configuration.maxBodyBytes
        let writer = writer
        let failure = writer.queue.sync { writer.open() }
        if let failure {
            guard configuration.allowUnaudited else {
                writer.shared.withLock { $0.isClosed = true }
                throw failure
            }
            writer.queue.async { writer.scheduleRecovery() }
        }
        writer.scheduleMaintenance()
        logger.info(
            "audit.opened",
            [
                "audit.path": configuration.path,
                "audit.durable": String(configuration.durability == .durable),
                "audit.writable": String(failure == nil),
            ]
        )
    }

    /// Stores `record`. Durable: returns once its transaction committed. Buffered: once queued.
    ///
    /// Redaction, body capping and hashing happen here, on the caller's task, so the writer
    /// queue only inserts. Throws `audit_unavailable` while the file cannot be written or after
    /// `close()`, and `audit_queue_full` when a buffered log with `.refuse` is full.
    public func record(_ record: AuditRecord) async throws(AuditError) {
        let row = AuditStoredRow(record: record, redactor: redactor, maxBodyBytes: maxBodyBytes)
        try await writer.submit(row)
    }

    /// The writer's current state; cheap (one lock).
    public var health: AuditHealth {
        writer.health
    }

    /// Commits everything queued, checkpoints the WAL into the main file and closes it.
    public func close() async {
        await writer.close()
    }
}
