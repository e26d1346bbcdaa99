import CSQLite

/// One SQLite connection: the only type besides `SQLiteStatement` that calls `sqlite3_*`.
///
/// Not thread-safe: the writer confines its connection to the writer queue, and the CLI uses
/// its own. Every failure becomes an `AuditError` naming the operation, the SQLite result
/// code and `sqlite3_errmsg`.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String

    /// Opens `path` read-write (creating it) or read-only; waits up to `busyTimeoutMilliseconds` for locks.
    init(path: String, readOnly: Bool, busyTimeoutMilliseconds: Int32 = 5_000) throws(AuditError) {
        var opened: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX
        flags |= readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let result = sqlite3_open_v2(path, &opened, flags, nil)
        guard result == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(opened)
            throw AuditError(
                code: AuditError.openFailed,
                message: message,
                sqliteCode: result,
                operation: "sqlite3_open_v2"
            )
        }
        self.handle = opened
        self.path = path
        sqlite3_extended_result_codes(opened, 1)
        sqlite3_busy_timeout(opened, busyTimeoutMilliseconds)
    }

    deinit {
        // close_v2 defers the close until every statement of this connection is finalized.
        sqlite3_close_v2(handle)
    }

    /// True when SQLite opened the main database read-only (a write-protected file, say).
    var isReadOnly: Bool {
        sqlite3_db_readonly(handle, "main") == 1
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int {
        Int(sqlite3_changes(handle))
    }

    /// Runs one or more statements that return no rows we need.
    func execute(_ sql: String) throws(AuditError) {
        let result = sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else {
            throw error(result, operation: "sqlite3_exec")
        }
    }

    /// Compiles `sql` once so it can run many times with bound parameters.
    func prepare(_ sql: String) throws(AuditError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else {
            throw error(result, operation: "sqlite3_prepare_v3")
        }
        return SQLiteStatement(connection: self, handle: statement)
    }

    /// The first column of the first row of `sql` as an integer, or nil when there is no row.
    func scalar(_ sql: String) throws(AuditError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step() else {
            return nil
        }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    /// Copies the WAL into the database and truncates the WAL file to zero bytes.
    func checkpointTruncating() throws(AuditError) {
        let result = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        guard result == SQLITE_OK else {
            throw error(result, operation: "sqlite3_wal_checkpoint_v2")
        }
    }

    /// An `AuditError` for `result`, carrying `sqlite3_errmsg`.
    func error(_ result: Int32, operation: String) -> AuditError {
        AuditError(
            code: AuditError.sqlite,
            message: String(cString: sqlite3_errmsg(handle)),
            sqliteCode: result,
            operation: operation
        )
    }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null

    /// `.text(value)` or `.null`.
    static func optional(_ value: String?) -> SQLiteValue {
        value.map { .text($0) } ?? .null
    }
}

/// A prepared statement of one `SQLiteConnection`, used on the same thread as its connection.
final class SQLiteStatement {
    private let connection: SQLiteConnection
    private let handle: OpaquePointer

    /// Wraps `handle`, keeping `connection` alive until the statement is finalized.
    init(connection: SQLiteConnection, handle: OpaquePointer) {
        self.connection = connection
        self.handle = handle
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Resets the statement and binds `values` to parameters 1...n.
    func bind(_ values: [SQLiteValue]) throws(AuditError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32
            switch value {
            case .integer(let number):
                result = sqlite3_bind_int64(handle, index, number)
            case .text(let text):
                result = sqlite3_bind_text(handle, index, text, -1, infergate_sqlite_transient())
            case .blob(let bytes):
                result = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob64(
                        handle,
                        index,
                        buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                        sqlite3_uint64(buffer.count),
                        infergate_sqlite_transient()
                    )
                }
            case .null:
                result = sqlite3_bind_null(handle, index)
            }
            guard result == SQLITE_OK else {
                throw connection.error(result, operation: "sqlite3_bind")
            }
        }
    }

    /// Advances to the next row: true when a row is available, false when done.
    @discardableResult
    func step() throws(AuditError) -> Bool {
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            return false
        default:
            sqlite3_reset(handle)
            throw connection.error(result, operation: "sqlite3_step")
        }
    }

    /// Binds `values`, runs the statement to completion and resets it.
    func run(_ values: [SQLiteValue] = []) throws(AuditError) {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Rewinds the statement so the next `step` starts over; bindings are kept.
    func reset() {
        sqlite3_reset(handle)
    }

    /// True when `column` of the current row is SQL NULL.
    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    /// `column` of the current row as an integer (0 for NULL).
    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// `column` as an integer, or nil for NULL.
    func optionalInt64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    /// `column` as UTF-8 text (empty for NULL); invalid bytes become U+FFFD.
    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else {
            return ""
        }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// `column` as text, or nil for NULL.
    func optionalText(_ column: Int32) -> String? {
        isNull(column) ? nil : text(column)
    }

    /// `column` as bytes, copied out of SQLite's buffer.
    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else {
            return []
        }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
