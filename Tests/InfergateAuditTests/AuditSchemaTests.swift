import Foundation
import Testing

@testable import InfergateAudit

@Suite struct AuditSchemaTests {
    @Test func versionZeroFileIsMigratedAndKeepsItsTables() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.path + "/var", withIntermediateDirectories: true)
        do {
            let old = try SQLiteConnection(path: folder.databasePath, readOnly: false)
            try old.execute("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('kept')")
        }
        let log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        try await log.record(AuditFixtures.record(1))
        await log.close()

        let reader = try AuditFixtures.reader(folder.databasePath)
        #expect(try reader.scalar("PRAGMA user_version") == AuditSchema.currentVersion)
        #expect(try reader.scalar("PRAGMA auto_vacuum") == 2)
        #expect(try reader.scalar("SELECT count(*) FROM notes") == 1)
        #expect(try reader.scalar("SELECT count(*) FROM audit_rows") == 1)
    }

    @Test func versionOneFileIsMigratedAndItsChainContinues() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        try await log.record(AuditFixtures.record(1))
        await log.close()
        do {
            let downgrade = try SQLiteConnection(path: folder.databasePath, readOnly: false)
            try downgrade.execute(
                "DROP INDEX audit_rows_request_id; DROP TABLE audit_meta; PRAGMA user_version = 1"
            )
        }

        log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        try await log.record(AuditFixtures.record(2))
        await log.close()
        let reader = try AuditFixtures.reader(folder.databasePath)
        #expect(try reader.scalar("PRAGMA user_version") == 2)
        let index = "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_rows_request_id'"
        #expect(try reader.scalar(index) == 1)
        #expect(try AuditVerifier(connection: reader).verify() == .intact(rows: 2, anchorSeq: nil))
    }

    @Test func newerSchemaIsRefused() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        await log.close()
        do {
            let future = try SQLiteConnection(path: folder.databasePath, readOnly: false)
            try future.execute("PRAGMA user_version = 99")
        }
        let error = #expect(throws: AuditError.self) {
            _ = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        }
        #expect(error?.code == AuditError.schemaTooNew)
    }

    @Test func queriesByTimeRouteCallerAndStatusUseIndexes() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        await log.close()
        let reader = try AuditFixtures.reader(folder.databasePath)
        let queries = [
            ("received_at > 5", "audit_rows_received_at"),
            ("route = 'a' AND received_at > 5", "audit_rows_route_received_at"),
            ("caller = 'a' AND received_at > 5", "audit_rows_caller_received_at"),
            ("status = 502 AND received_at > 5", "audit_rows_status_received_at"),
        ]
        for (condition, index) in queries {
            let plan = try reader.prepare("EXPLAIN QUERY PLAN SELECT * FROM audit_rows WHERE \(condition)")
            var detail = ""
            while try plan.step() {
                detail += plan.text(3)
            }
            #expect(detail.contains(index), "plan for \(condition): \(detail)")
        }
    }
}
