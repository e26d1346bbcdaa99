import Foundation
import Testing

@testable import InfergateAudit

@Suite struct AuditRetentionTests {
    static let day: Int64 = 86_400_000_000
    static let now: Int64 = 1_780_000_000_000_000

    @Test func rowsOlderThanRetentionArePrunedAndTheChainStillVerifies() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var configuration = AuditFixtures.configuration(folder)
        configuration.retentionDays = 30
        configuration.maintenanceIntervalMilliseconds = 50
        configuration.maxBodyBytes = 4_096
        let clock = ManualTimeSource(wallMicroseconds: Self.now)
        let log = try AuditLog(configuration: configuration, logger: AuditFixtures.quietLogger, timeSource: clock)
        for index in 0..<1_200 {
            var record = AuditFixtures.record(index, receivedAtMicros: Self.now - 40 * Self.day + Int64(index))
            record.responseBody = Array(repeating: UInt8(index % 251), count: 4_096)
            try await log.record(record)
        }
        for index in 1_200..<1_210 {
            try await log.record(AuditFixtures.record(index, receivedAtMicros: Self.now - Self.day))
        }
        let pruned = try await AuditFixtures.eventually(within: 10) {
            try AuditFixtures.rowCount(folder.databasePath) == 10
        }
        #expect(pruned)
        await log.close()

        let reader = try AuditFixtures.reader(folder.databasePath)
        #expect(try reader.scalar("SELECT seq FROM chain_anchor") == 1_200)
        #expect(try reader.scalar("PRAGMA auto_vacuum") == 2)
        #expect(try reader.scalar("PRAGMA freelist_count") ?? 0 < 100)
        let verified = try AuditVerifier(connection: reader).verify()
        #expect(verified == .intact(rows: 10, anchorSeq: 1_200))
    }

    @Test func rowsBeyondMaxRowsArePrunedOldestFirst() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var configuration = AuditFixtures.configuration(folder)
        configuration.maxRows = 100
        configuration.maintenanceIntervalMilliseconds = 50
        let log = try AuditLog(configuration: configuration, logger: AuditFixtures.quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<1_300 {
                group.addTask { try await log.record(AuditFixtures.record(index)) }
            }
            try await group.waitForAll()
        }
        let pruned = try await AuditFixtures.eventually(within: 10) {
            try AuditFixtures.rowCount(folder.databasePath) == 100
        }
        #expect(pruned)
        try await log.record(AuditFixtures.record(5_000))
        await log.close()

        let reader = try AuditFixtures.reader(folder.databasePath)
        #expect(try reader.scalar("SELECT max(seq) FROM audit_rows") == 1_301)
        guard case .intact(let rows, let anchor) = try AuditVerifier(connection: reader).verify() else {
            Issue.record("chain broken after pruning")
            return
        }
        #expect(rows >= 100 && rows <= 101)
        #expect(anchor != nil)
    }
}
