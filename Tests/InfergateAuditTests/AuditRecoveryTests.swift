import Foundation
import Testing

@testable import InfergateAudit

@Suite struct AuditRecoveryTests {
    @Test func unwritableFileMakesRecordThrowAndTheLogRecovers() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        try await log.record(AuditFixtures.record(1))
        #expect(log.health.isWritable)

        // A directory where the file was: writes must fail and reopening must keep failing.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: folder.databasePath + suffix)
        }
        try FileManager.default.createDirectory(atPath: folder.databasePath, withIntermediateDirectories: false)
        let error = await #expect(throws: AuditError.self) {
            try await log.record(AuditFixtures.record(2))
        }
        #expect(error?.code == AuditError.unavailable)
        #expect(!log.health.isWritable)
        #expect(log.health.lastError != nil)
        let refused = await #expect(throws: AuditError.self) {
            try await log.record(AuditFixtures.record(3))
        }
        #expect(refused?.code == AuditError.unavailable)

        try FileManager.default.removeItem(atPath: folder.databasePath)
        let recovered = await AuditFixtures.eventually(within: 10) { log.health.isWritable }
        #expect(recovered)
        try await log.record(AuditFixtures.record(4))
        #expect(try AuditFixtures.rowCount(folder.databasePath) == 1)
        await log.close()
    }

    @Test func bufferedRowsSurviveAnOutageAndAreWrittenAfterRecovery() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var configuration = AuditFixtures.configuration(folder)
        configuration.durability = .buffered(flushIntervalMilliseconds: 300, whenFull: .refuse)
        let log = try AuditLog(configuration: configuration, logger: AuditFixtures.quietLogger)
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: folder.databasePath + suffix)
        }
        try FileManager.default.createDirectory(atPath: folder.databasePath, withIntermediateDirectories: false)
        try await log.record(AuditFixtures.record(1))
        let wentDown = await AuditFixtures.eventually(within: 5) { !log.health.isWritable }
        #expect(wentDown)
        #expect(log.health.pendingRows == 1)

        try FileManager.default.removeItem(atPath: folder.databasePath)
        let written = await AuditFixtures.eventually(within: 10) {
            log.health.isWritable && log.health.pendingRows == 0
        }
        #expect(written)
        #expect(try AuditFixtures.rowCount(folder.databasePath) == 1)
        await log.close()
    }

    @Test func openFailureThrowsUnlessUnauditedServiceIsAllowed() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.databasePath, withIntermediateDirectories: true)
        var configuration = AuditFixtures.configuration(folder)
        #expect(throws: AuditError.self) {
            _ = try AuditLog(configuration: configuration, logger: AuditFixtures.quietLogger)
        }
        configuration.allowUnaudited = true
        let log = try AuditLog(configuration: configuration, logger: AuditFixtures.quietLogger)
        #expect(!log.health.isWritable)
        try FileManager.default.removeItem(atPath: folder.databasePath)
        let recovered = await AuditFixtures.eventually(within: 10) { log.health.isWritable }
        #expect(recovered)
        await log.close()
    }
}
