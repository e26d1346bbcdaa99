import Foundation
import InfergateCore
import Testing

@testable import InfergateAudit

@Suite struct AuditLogTests {
    @Test func everyColumnRoundTrips() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        var record = AuditFixtures.record(1)
        record.caller = nil
        record.route = nil
        record.errorCode = "upstream_timeout"
        record.upstreamAttempts = 3
        record.fallbackReason = "upstream_timeout"
        record.servedBy = .localModel
        record.status = 504
        record.responseHeaders = ["X-Trace": "a\"b"]
        try await log.record(record)
        await log.close()

        let reader = try AuditFixtures.reader(folder.databasePath)
        let select = try reader.prepare("SELECT \(AuditStoredRow.selectList) FROM audit_rows")
        #expect(try select.step())
        let row = AuditStoredRow(statement: select)
        #expect(row.seq == 1)
        #expect(row.requestID == "req-1")
        #expect(row.receivedAtMicros == record.receivedAtMicros)
        #expect(row.caller == nil)
        #expect(row.sourceAddress == "127.0.0.1:50000")
        #expect(row.method == "POST")
        #expect(row.path == "/v1/pipelines/aloha/infer?debug=1")
        #expect(row.route == nil)
        #expect(row.upstreamURL == "https://wallaroo.example/v1/api/pipelines/infer/aloha")
        #expect(row.requestHeadersJSON == #"[["Content-Type","application/json"],["Authorization","***"]]"#)
        #expect(row.responseHeadersJSON == #"[["X-Trace","a\"b"]]"#)
        #expect(row.requestBody == record.requestBody)
        #expect(row.requestBodySize == Int64(record.requestBody.count))
        #expect(row.requestBodySHA256 == SHA256.hexDigest(record.requestBody))
        #expect(row.responseBody == record.responseBody)
        #expect(row.responseBodySize == Int64(record.responseBody.count))
        #expect(row.responseBodySHA256 == SHA256.hexDigest(record.responseBody))
        #expect(row.status == 504)
        #expect(row.servedBy == "local-model")
        #expect(row.totalLatencyMicros == 1_500)
        #expect(row.upstreamLatencyMicros == 1_200)
        #expect(row.bytesIn == 20)
        #expect(row.bytesOut == 17)
        #expect(row.tokenFingerprint == "sha256:0011223344556677")
        #expect(row.errorCode == "upstream_timeout")
        #expect(row.upstreamAttempts == 3)
        #expect(row.fallbackReason == "upstream_timeout")
        #expect(row.rowHash == row.chainHash(previous: AuditStoredRow.genesisHash))
        #expect(try !select.step())
    }

    @Test func bodiesAreCappedWithFullSizeAndHash() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var configuration = AuditFixtures.configuration(folder)
        configuration.maxBodyBytes = 10
        let log = try AuditLog(configuration: configuration, logger: AuditFixtures.quietLogger)
        var record = AuditFixtures.record(1)
        record.requestBody = Array(repeating: 0x41, count: 1_000)
        record.responseBody = Array("short".utf8)
        try await log.record(record)
        await log.close()

        let reader = try AuditFixtures.reader(folder.databasePath)
        let select = try reader.prepare("SELECT \(AuditStoredRow.selectList) FROM audit_rows")
        #expect(try select.step())
        let row = AuditStoredRow(statement: select)
        #expect(row.requestBody == Array(repeating: 0x41, count: 10))
        #expect(row.requestBodySize == 1_000)
        #expect(row.requestBodySHA256 == SHA256.hexDigest(record.requestBody))
        #expect(row.responseBody == Array("short".utf8))
        #expect(row.responseBodySize == 5)
    }

    @Test func durableRecordIsVisibleToAnotherConnectionOnReturn() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        let reader = try AuditFixtures.reader(folder.databasePath)
        for index in 1...5 {
            try await log.record(AuditFixtures.record(index))
            let count = try reader.scalar("SELECT count(*) FROM audit_rows WHERE request_id = 'req-\(index)'")
            #expect(count == 1)
        }
        #expect(log.health.committedRows == 5)
        #expect(log.health.pendingRows == 0)
        await log.close()
    }

    @Test func concurrentRecordsShareTransactions() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<400 {
                group.addTask { try await log.record(AuditFixtures.record(index)) }
            }
            try await group.waitForAll()
        }
        let health = log.health
        #expect(health.committedRows == 400)
        #expect(health.committedTransactions < 200)
        #expect(try AuditFixtures.rowCount(folder.databasePath) == 400)
        await log.close()
    }

    @Test func bufferedRecordReturnsBeforeCommitAndFlushesOnInterval() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var configuration = AuditFixtures.configuration(folder)
        configuration.durability = .buffered(flushIntervalMilliseconds: 400, whenFull: .refuse)
        let log = try AuditLog(configuration: configuration, logger: AuditFixtures.quietLogger)
        try await log.record(AuditFixtures.record(1))
        #expect(try AuditFixtures.rowCount(folder.databasePath) == 0)
        #expect(log.health.pendingRows == 1)
        let flushed = try await AuditFixtures.eventually(within: 3) {
            try AuditFixtures.rowCount(folder.databasePath) == 1
        }
        #expect(flushed)
        await log.close()
    }

    @Test func bufferedRefuseThrowsQueueFull() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var configuration = AuditFixtures.configuration(folder)
        configuration.durability = .buffered(flushIntervalMilliseconds: 60_000, whenFull: .refuse)
        configuration.queueCapacity = 2
        let log = try AuditLog(configuration: configuration, logger: AuditFixtures.quietLogger)
        try await log.record(AuditFixtures.record(1))
        try await log.record(AuditFixtures.record(2))
        let error = await #expect(throws: AuditError.self) {
            try await log.record(AuditFixtures.record(3))
        }
        #expect(error?.code == AuditError.queueFull)
        await log.close()
        #expect(try AuditFixtures.rowCount(folder.databasePath) >= 2)
    }

    @Test func bufferedBlockWaitsForRoomAndLosesNothing() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var configuration = AuditFixtures.configuration(folder)
        configuration.durability = .buffered(flushIntervalMilliseconds: 60_000, whenFull: .block)
        configuration.queueCapacity = 3
        let log = try AuditLog(configuration: configuration, logger: AuditFixtures.quietLogger)
        for index in 1...10 {
            try await log.record(AuditFixtures.record(index))
            #expect(log.health.pendingRows <= 3)
        }
        // Rows beyond the capacity could only be accepted after earlier ones committed.
        #expect(log.health.committedRows >= 7)
        await log.close()
        #expect(try AuditFixtures.rowCount(folder.databasePath) == 10)
    }

    @Test func closeFlushesBufferedRowsAndRefusesLaterOnes() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var configuration = AuditFixtures.configuration(folder)
        configuration.durability = .buffered(flushIntervalMilliseconds: 60_000, whenFull: .block)
        let log = try AuditLog(configuration: configuration, logger: AuditFixtures.quietLogger)
        for index in 1...25 {
            try await log.record(AuditFixtures.record(index))
        }
        await log.close()
        #expect(try AuditFixtures.rowCount(folder.databasePath) == 25)
        #expect(!log.health.isWritable)
        do {
            try await log.record(AuditFixtures.record(26))
            Issue.record("record after close succeeded")
        } catch {
            #expect(error.code == AuditError.unavailable)
        }
    }

    @Test func filesAreOwnerOnly() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        try await log.record(AuditFixtures.record(1))
        for suffix in ["", "-wal", "-shm"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder.databasePath + suffix)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600, "mode of audit.sqlite\(suffix)")
        }
        await log.close()
    }
}
