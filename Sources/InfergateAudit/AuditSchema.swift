import Foundation
import Glibc

/// The table layout, its versions, and how a connection is opened for writing or reading.
///
/// `PRAGMA user_version` holds the schema version. Each entry of `migrations` moves a file
/// one version up inside one transaction; a file newer than `currentVersion` is refused.
enum AuditSchema {
    static let migrations: [String] = [
        // 1: rows, the chain anchor, and the indexes behind the queries people run.
        """
        CREATE TABLE audit_rows (
            seq INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            caller TEXT,
            source_address TEXT NOT NULL,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            route TEXT,
            upstream_url TEXT,
            request_headers TEXT NOT NULL,
            response_headers TEXT NOT NULL,
            request_body BLOB NOT NULL,
            request_body_size INTEGER NOT NULL,
            request_body_sha256 TEXT NOT NULL,
            response_body BLOB NOT NULL,
            response_body_size INTEGER NOT NULL,
            response_body_sha256 TEXT NOT NULL,
            status INTEGER NOT NULL,
            served_by TEXT NOT NULL,
            total_latency_us INTEGER NOT NULL,
            upstream_latency_us INTEGER,
            bytes_in INTEGER NOT NULL,
            bytes_out INTEGER NOT NULL,
            token_fingerprint TEXT,
            error_code TEXT,
            upstream_attempts INTEGER NOT NULL DEFAULT 0,
            fallback_reason TEXT,
            row_hash TEXT NOT NULL
        );
        CREATE INDEX audit_rows_received_at ON audit_rows (received_at);
        CREATE INDEX audit_rows_route_received_at ON audit_rows (route, received_at);
        CREATE INDEX audit_rows_caller_received_at ON audit_rows (caller, received_at);
        CREATE INDEX audit_rows_status_received_at ON audit_rows (status, received_at);
        CREATE TABLE chain_anchor (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            row_hash TEXT NOT NULL,
            pruned_at INTEGER NOT NULL
        );
        """,
        // 2: lookups by request id for `audit show`, and a key-value table for writer bookkeeping.
        """
        CREATE INDEX audit_rows_request_id ON audit_rows (request_id);
        CREATE TABLE audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ]

    static var currentVersion: Int64 { Int64(migrations.count) }

    /// Opens (creating if needed) the file for the single writer and brings it to `currentVersion`.
    ///
    /// Creates missing folders (0700) and the file (0600), sets incremental auto-vacuum on a
    /// new file, WAL, and `synchronous` FULL (or NORMAL when `isFullSync` is false).
    static func openForWriting(path: String, isFullSync: Bool) throws(AuditError) -> SQLiteConnection {
        try prepareFile(path: path)
        let connection = try SQLiteConnection(path: path, readOnly: false)
        guard !connection.isReadOnly else {
            throw AuditError(code: AuditError.unavailable, message: "audit database is read-only")
        }
        let version = try connection.scalar("PRAGMA user_version") ?? 0
        guard version <= currentVersion else {
            throw AuditError(
                code: AuditError.schemaTooNew,
                message: "audit database has schema version \(version), this build knows \(currentVersion)"
            )
        }
        if version == 0 {
            // auto_vacuum only takes effect on a file without tables, or after a VACUUM.
            try connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
            if try connection.scalar("SELECT count(*) FROM sqlite_schema") ?? 0 > 0 {
                try connection.execute("VACUUM")
            }
        }
        try connection.execute("PRAGMA journal_mode = WAL")
        try connection.execute("PRAGMA synchronous = \(isFullSync ? "FULL" : "NORMAL")")
        try connection.execute("PRAGMA journal_size_limit = 67108864")
        // The writer touches the tails of five indexes per row; 32 MiB of page cache keeps
        // them resident, so an insert reads nothing back from the file.
        try connection.execute("PRAGMA cache_size = -32768")
        try migrate(connection, from: version)
        restrictPermissions(path: path)
        return connection
    }

    /// Opens the file read-only for the CLI; refuses files of an unknown newer schema.
    static func openForReading(path: String) throws(AuditError) -> SQLiteConnection {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AuditError(code: AuditError.openFailed, message: "no audit database at \(path)")
        }
        let connection = try SQLiteConnection(path: path, readOnly: true)
        let version = try connection.scalar("PRAGMA user_version") ?? 0
        guard version >= 1, version <= currentVersion else {
            throw AuditError(code: AuditError.schemaTooNew, message: "unsupported audit schema version \(version)")
        }
        return connection
    }

    private static func migrate(_ connection: SQLiteConnection, from version: Int64) throws(AuditError) {
        var version = version
        while version < currentVersion {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                try connection.execute(migrations[Int(version)])
                try connection.execute("PRAGMA user_version = \(version + 1)")
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
            version += 1
        }
    }

    private static func prepareFile(path: String) throws(AuditError) {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
            } catch {
                throw AuditError(code: AuditError.openFailed, message: "cannot create folder \(folder)")
            }
        }
        // Create the file ourselves so it is never world-readable, whatever the umask says;
        // SQLite gives the -wal and -shm files the mode of the database file.
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            throw AuditError(
                code: AuditError.openFailed,
                message: "cannot create \(path): \(String(cString: strerror(code)))",
                operation: "open"
            )
        }
        close(descriptor)
        chmod(path, 0o600)
    }

    private static func restrictPermissions(path: String) {
        for suffix in ["", "-wal", "-shm"] {
            chmod(path + suffix, 0o600)
        }
    }
}
