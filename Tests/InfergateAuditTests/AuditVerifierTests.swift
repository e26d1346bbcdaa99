import Foundation
import Testing

@testable import InfergateAudit

@Suite struct AuditVerifierTests {
    private func populated(_ folder: TemporaryFolder, rows: Int) async throws {
        let log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        for index in 1...rows {
            try await log.record(AuditFixtures.record(index))
        }
        await log.close()
    }

    private func verify(_ path: String) throws -> AuditVerifier.Result {
        try AuditVerifier(connection: try AuditFixtures.reader(path)).verify()
    }

    @Test func intactChainVerifies() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await populated(folder, rows: 10)
        #expect(try verify(folder.databasePath) == .intact(rows: 10, anchorSeq: nil))
    }

    @Test func alteredBodyIsNamed() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await populated(folder, rows: 10)
        let tamper = try SQLiteConnection(path: folder.databasePath, readOnly: false)
        try tamper.execute("UPDATE audit_rows SET response_body = X'00' WHERE seq = 4")
        guard case .broken(let seq, let requestID, _) = try verify(folder.databasePath) else {
            Issue.record("tampered chain verified")
            return
        }
        #expect(seq == 4)
        #expect(requestID == "req-4")
    }

    @Test func deletedMiddleRowIsNamed() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await populated(folder, rows: 10)
        let tamper = try SQLiteConnection(path: folder.databasePath, readOnly: false)
        try tamper.execute("DELETE FROM audit_rows WHERE seq = 6")
        guard case .broken(let seq, _, let reason) = try verify(folder.databasePath) else {
            Issue.record("chain with a deleted row verified")
            return
        }
        #expect(seq == 7)
        #expect(reason.contains("1 row(s) missing"))
    }

    @Test func renumberedRowsAfterDeletionStillBreak() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await populated(folder, rows: 5)
        let tamper = try SQLiteConnection(path: folder.databasePath, readOnly: false)
        try tamper.execute("DELETE FROM audit_rows WHERE seq = 3; UPDATE audit_rows SET seq = seq - 1 WHERE seq > 3")
        guard case .broken(let seq, _, _) = try verify(folder.databasePath) else {
            Issue.record("renumbered chain verified")
            return
        }
        #expect(seq == 3)
    }

    @Test func chainContinuesAcrossReopen() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await populated(folder, rows: 3)
        try await populated(folder, rows: 3)
        #expect(try verify(folder.databasePath) == .intact(rows: 6, anchorSeq: nil))
    }
}
