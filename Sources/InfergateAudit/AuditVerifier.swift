/// Walks the hash chain of an audit database and reports the first row that does not fit.
///
/// Runs inside one read transaction, so a gateway writing or pruning at the same time is seen
/// as one consistent snapshot. A changed row fails its own hash; a deleted middle row shows as
/// a gap in `seq` and a hash mismatch on the row after it. Deleting the newest rows cannot be
/// seen from the chain alone (see docs/audit.md).
struct AuditVerifier {
    /// The outcome of a walk.
    enum Result: Equatable {
        case intact(rows: Int64, anchorSeq: Int64?)
        case broken(seq: Int64, requestID: String, reason: String)
    }

    let connection: SQLiteConnection

    /// Verifies every row after the chain anchor, oldest first.
    func verify() throws(AuditError) -> Result {
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }
        var previous = AuditStoredRow.genesisHash
        var expectedSeq: Int64 = 1
        var anchorSeq: Int64?
        let anchor = try connection.prepare("SELECT seq, row_hash FROM chain_anchor WHERE id = 1")
        if try anchor.step() {
            anchorSeq = anchor.int64(0)
            expectedSeq = anchor.int64(0) + 1
            previous = AuditStoredRow.rawHash(hex: anchor.text(1)) ?? AuditStoredRow.genesisHash
        }
        let rows = try connection.prepare("SELECT \(AuditStoredRow.selectList) FROM audit_rows ORDER BY seq")
        var count: Int64 = 0
        while try rows.step() {
            let row = AuditStoredRow(statement: rows)
            if row.seq != expectedSeq {
                let missing = row.seq - expectedSeq
                let reason = "seq \(row.seq) follows seq \(expectedSeq - 1): \(missing) row(s) missing before it"
                return .broken(seq: row.seq, requestID: row.requestID, reason: reason)
            }
            let recomputed = row.chainHash(previous: previous)
            guard recomputed == row.rowHash, let raw = AuditStoredRow.rawHash(hex: recomputed) else {
                let reason = "row_hash does not match the row content and the previous row's hash"
                return .broken(seq: row.seq, requestID: row.requestID, reason: reason)
            }
            previous = raw
            expectedSeq += 1
            count += 1
        }
        return .intact(rows: count, anchorSeq: anchorSeq)
    }
}
