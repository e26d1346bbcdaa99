import Foundation
import InfergateCore
import Testing

@testable import InfergateAudit

/// Insert throughput: durable mode with 1, 16 and 256 concurrent writers, buffered with 16.
///
/// Off by default; run it in release with
/// `INFERGATE_AUDIT_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter AuditThroughputTests`.
@Suite(.serialized) struct AuditThroughputTests {
    static let isEnabled = ProcessInfo.processInfo.environment["INFERGATE_AUDIT_BENCH"] == "1"

    @Test(
        .enabled(if: isEnabled, "set INFERGATE_AUDIT_BENCH=1 to measure throughput"),
        arguments: [(1, 2_000), (16, 20_000), (256, 40_000)]
    )
    func durableRowsPerSecond(writers: Int, rows: Int) async throws {
        try await measure(writers: writers, rows: rows, durability: .durable)
    }

    @Test(.enabled(if: isEnabled, "set INFERGATE_AUDIT_BENCH=1 to measure throughput"))
    func bufferedRowsPerSecond() async throws {
        try await measure(
            writers: 16, rows: 40_000, durability: .buffered(flushIntervalMilliseconds: 50, whenFull: .block))
    }

    private func measure(writers: Int, rows: Int, durability: AuditDurability) async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var configuration = AuditFixtures.configuration(folder)
        configuration.queueCapacity = 1_024
        configuration.durability = durability
        let log = try AuditLog(configuration: configuration, logger: AuditFixtures.quietLogger)
        var record = AuditFixtures.record(0)
        record.requestBody = Array(repeating: 0x31, count: 512)
        record.responseBody = Array(repeating: 0x32, count: 512)
        let template = record
        let perWriter = rows / writers
        let clock = SystemTimeSource()
        let start = clock.monotonicNanoseconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var mine = template
                    for index in 0..<perWriter {
                        mine.requestID = "w\(writer)-\(index)"
                        try await log.record(mine)
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = Double(clock.monotonicNanoseconds - start) / 1e9
        await log.close()
        let health = log.health
        let total = perWriter * writers
        let rate = Double(total) / seconds
        let perTransaction = Double(health.committedRows) / Double(max(1, health.committedTransactions))
        let mode = durability == .durable ? "durable" : "buffered"
        print(
            "audit \(mode) writers=\(writers) rows=\(total) seconds=\(String(format: "%.2f", seconds))"
                + " rows_per_s=\(Int(rate)) rows_per_txn=\(String(format: "%.1f", perTransaction))"
        )
        #expect(health.committedRows == Int64(total))
    }
}
