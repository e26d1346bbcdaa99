/// When `AuditLog.record(_:)` returns relative to the row reaching the disk.
public enum AuditDurability: Sendable, Equatable {
    /// `record` returns after the transaction holding the row has committed (WAL, `synchronous=FULL`).
    case durable
    /// `record` returns once the row is queued; the writer commits every `flushIntervalMilliseconds`
    /// or as soon as a full batch is waiting. Rows still queued are lost if the process dies.
    case buffered(flushIntervalMilliseconds: Int, whenFull: OverflowPolicy)
}

/// What a buffered `record` does when the queue already holds `queueCapacity` rows.
public enum OverflowPolicy: String, Sendable {
    /// Wait until the writer has committed enough rows to make room.
    case block
    /// Throw `audit_queue_full` at once.
    case refuse
}

/// Settings of the audit log; the defaults suit one gateway process on a local disk.
public struct AuditConfiguration: Sendable {
    /// The SQLite file; missing parent folders are created with mode 0700.
    public var path: String = "var/audit.sqlite"
    public var durability: AuditDurability = .durable
    /// Bodies longer than this are stored truncated, with their full size and SHA-256.
    public var maxBodyBytes: Int = 65_536
    /// Rows received longer ago than this are pruned; nil keeps them forever.
    public var retentionDays: Int? = 30
    /// The oldest rows beyond this count are pruned; nil means no cap.
    public var maxRows: Int? = nil
    /// Header names stored as `***`, in addition to Authorization, Proxy-Authorization, Cookie and Set-Cookie.
    public var redactedHeaders: [String] = []
    /// Rows queued or being written at most. Memory is bounded by roughly
    /// `queueCapacity` × (2 × `maxBodyBytes` + headers); lower it when bodies are large.
    public var queueCapacity: Int = 10_000
    /// Rows committed in one transaction at most.
    public var maxBatchRows: Int = 512
    /// Read by the gateway: serve requests even while the log is unavailable. The log itself then
    /// also starts when its file cannot be opened, and keeps retrying in the background.
    public var allowUnaudited: Bool = false
    /// How often the writer checks for rows to prune.
    public var maintenanceIntervalMilliseconds: Int = 60_000

    /// A configuration; every parameter defaults to the value documented on its property.
    public init(
        path: String = "var/audit.sqlite",
        durability: AuditDurability = .durable,
        maxBodyBytes: Int = 65_536,
        retentionDays: Int? = 30,
        maxRows: Int? = nil,
        redactedHeaders: [String] = [],
        queueCapacity: Int = 10_000,
        maxBatchRows: Int = 512,
        allowUnaudited: Bool = false,
        maintenanceIntervalMilliseconds: Int = 60_000
    ) {
        self.path = path
        self.durability = durability
        self.maxBodyBytes = maxBodyBytes
        self.retentionDays = retentionDays
        self.maxRows = maxRows
        self.redactedHeaders = redactedHeaders
        self.queueCapacity = queueCapacity
        self.maxBatchRows = maxBatchRows
        self.allowUnaudited = allowUnaudited
        self.maintenanceIntervalMilliseconds = maintenanceIntervalMilliseconds
    }
}
