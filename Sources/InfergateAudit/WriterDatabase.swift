import Glibc
import InfergateCore

/// The writer's open database: the connection, its prepared statements and the chain tail.
///
/// Used only on `AuditWriter.queue`. `lastSeq` and `lastHash` mirror the newest committed
/// row (or the chain anchor once everything older was pruned) so appending needs no query.
final class WriterDatabase {
    let connection: SQLiteConnection
    let path: String
    private let begin: SQLiteStatement
    private let commit: SQLiteStatement
    private let insert: SQLiteStatement
    private let fileIdentity: FileIdentity?
    private(set) var lastSeq: Int64 = 0
    private(set) var lastHash = AuditStoredRow.genesisHash

    /// Device and inode of the file we opened, to notice it being removed or replaced.
    struct FileIdentity: Equatable {
        var device: UInt64
        var inode: UInt64

        /// The identity of the file at `path`, or nil when `stat` fails.
        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else {
                return nil
            }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// Opens `path`, migrates it and loads the chain tail.
    init(path: String, isFullSync: Bool) throws(AuditError) {
        self.path = path
        connection = try AuditSchema.openForWriting(path: path, isFullSync: isFullSync)
        fileIdentity = FileIdentity(path: path)
        begin = try connection.prepare("BEGIN IMMEDIATE")
        commit = try connection.prepare("COMMIT")
        insert = try connection.prepare(AuditStoredRow.insertSQL)
        try loadChainTail()
    }

    /// Re-reads the newest row's seq and hash, falling back to the anchor, then to genesis.
    func loadChainTail() throws(AuditError) {
        let newest = try connection.prepare("SELECT seq, row_hash FROM audit_rows ORDER BY seq DESC LIMIT 1")
        if try newest.step() {
            lastSeq = newest.int64(0)
            lastHash = AuditStoredRow.rawHash(hex: newest.text(1)) ?? AuditStoredRow.genesisHash
            return
        }
        let anchor = try connection.prepare("SELECT seq, row_hash FROM chain_anchor WHERE id = 1")
        if try anchor.step() {
            lastSeq = anchor.int64(0)
            lastHash = AuditStoredRow.rawHash(hex: anchor.text(1)) ?? AuditStoredRow.genesisHash
            return
        }
        lastSeq = 0
        lastHash = AuditStoredRow.genesisHash
    }

    /// Throws `audit_unavailable` when the file at `path` is gone or is no longer the one we opened.
    ///
    /// SQLite keeps writing to an unlinked file through its open descriptor, so rows would land
    /// in a file nobody can read; one `stat` per transaction catches that.
    func checkFileIsStillOurs() throws(AuditError) {
        guard let fileIdentity, FileIdentity(path: path) == fileIdentity else {
            throw AuditError(code: AuditError.unavailable, message: "audit database file was removed or replaced")
        }
    }

    /// Inserts `rows` in one transaction, assigning seq and row hash; returns them as stored.
    ///
    /// On failure the transaction is rolled back and the chain tail is left as it was.
    func append(_ rows: [AuditStoredRow]) throws(AuditError) {
        try checkFileIsStillOurs()
        try begin.run()
        var seq = lastSeq
        var hash = lastHash
        do {
            for var row in rows {
                seq += 1
                row.seq = seq
                row.rowHash = row.chainHash(previous: hash)
                hash = AuditStoredRow.rawHash(hex: row.rowHash) ?? AuditStoredRow.genesisHash
                try insert.run(row.insertValues)
            }
            try commit.run()
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        lastSeq = seq
        lastHash = hash
    }

    /// Proves the file takes writes by upserting a bookkeeping row.
    func probeWrite(nowMicros: Int64) throws(AuditError) {
        try checkFileIsStillOurs()
        let probe = try connection.prepare(
            "INSERT INTO audit_meta (key, value) VALUES ('last_open_us', ?) "
                + "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        try probe.run([.text(String(nowMicros))])
    }
}
