/// A failure of the audit log, safe to show to a caller.
///
/// `code` is short and bounded (for metrics and the gateway's error body); `sqliteCode` and
/// `operation` name the SQLite call that failed, when one did. Messages never hold row content.
public struct AuditError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var sqliteCode: Int32?
    public var operation: String?

    /// An error with a bounded `code` and a safe `message`.
    public init(code: String, message: String, sqliteCode: Int32? = nil, operation: String? = nil) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
        self.operation = operation
    }

    /// The status the gateway answers with when it refuses a request because of this error.
    public var httpStatus: Int { 503 }

    public var description: String {
        var text = "\(code): \(message)"
        if let operation {
            text += " (operation \(operation)"
            text += sqliteCode.map { ", sqlite code \($0))" } ?? ")"
        }
        return text
    }

    /// The log cannot write: the file is missing, read-only, full or corrupt, or the log is closed.
    public static let unavailable = "audit_unavailable"
    /// A buffered log with `OverflowPolicy.refuse` has a full queue.
    public static let queueFull = "audit_queue_full"
    /// The database file could not be opened or prepared at start-up.
    public static let openFailed = "audit_open_failed"
    /// The file was written by a newer infergate whose schema this build does not know.
    public static let schemaTooNew = "audit_schema_too_new"
    /// A SQLite call failed; `operation` and `sqliteCode` say which.
    public static let sqlite = "audit_sqlite_error"
}
