/// A snapshot of the log's state for health checks and tests.
public struct AuditHealth: Sendable {
    /// False while the writer cannot commit; `record` then throws `audit_unavailable`.
    public var isWritable: Bool
    public var lastError: String?
    /// Rows accepted but not yet committed.
    public var pendingRows: Int
    /// Rows committed by this process since it opened the log.
    public var committedRows: Int64
    /// Transactions committed by this process; with group commit far fewer than `committedRows`.
    public var committedTransactions: Int64
}
