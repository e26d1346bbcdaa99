import Foundation
import Glibc
import InfergateCore
import Testing

@testable import InfergateUpstream

/// Round-trip overhead of the engine against a raw keep-alive socket, and concurrent throughput.
///
/// Off by default; run with
/// `INFERGATE_BENCH=1 swift test -c release --filter TransferEngineBenchmarkTests`.
/// Each test still asserts that every request succeeded, so it cannot pass on errors.
@Suite(
    "TransferEngine benchmark",
    .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["INFERGATE_BENCH"] == "1")
)
struct TransferEngineBenchmarkTests {
    static let rounds = 5_000
    static let batch = 250

    @Test func sequentialRoundTripVersusRawSocket() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }
        let request = UpstreamRequest(method: "GET", url: server.url("/delay/0"))
        let raw = try RawClient(port: server.port)
        defer { raw.close() }
        for _ in 0..<200 {
            _ = try await engine.perform(request)
        }

        // Interleave batches so load from other processes hits both sides alike, and
        // report percentiles of single round trips rather than a mean that one stall skews.
        var engineMicros: [Double] = []
        var rawMicros: [Double] = []
        for _ in 0..<(Self.rounds / Self.batch) {
            for _ in 0..<Self.batch {
                let started = ContinuousClock.now
                let response = try await engine.perform(request)
                engineMicros.append(Self.micros(ContinuousClock.now - started))
                #expect(response.body.count == 2)
            }
            for _ in 0..<Self.batch {
                let started = ContinuousClock.now
                let body = raw.roundTrip()
                rawMicros.append(Self.micros(ContinuousClock.now - started))
                #expect(body?.count == 2)
            }
        }

        let engineStats = Self.percentiles(engineMicros)
        let rawStats = Self.percentiles(rawMicros)
        print(
            "bench.sequential rounds=\(Self.rounds)",
            "engine_p50_us=\(Self.format(engineStats.p50)) engine_p90_us=\(Self.format(engineStats.p90))",
            "raw_p50_us=\(Self.format(rawStats.p50)) raw_p90_us=\(Self.format(rawStats.p90))",
            "overhead_p50_us=\(Self.format(engineStats.p50 - rawStats.p50))"
        )
    }

    @Test func concurrentThroughput() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine(.init(maxConnectionsPerHost: 64))
        defer { engine.shutdown() }
        let request = UpstreamRequest(method: "GET", url: server.url("/delay/0"))
        let workers = 64
        let perWorker = 300
        let cpuBefore = Self.processCPUMicros()
        let started = ContinuousClock.now

        let okCount = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    var ok = 0
                    for _ in 0..<perWorker {
                        ok += try await engine.perform(request).status == 200 ? 1 : 0
                    }
                    return ok
                }
            }
            return try await group.reduce(0, +)
        }

        let elapsed = ContinuousClock.now - started
        let cpuMicros = Self.processCPUMicros() - cpuBefore
        #expect(okCount == workers * perWorker)
        let perSecond = Double(okCount) / (Self.micros(elapsed) / 1_000_000)
        // The loopback server runs in this process too, so this is engine plus server CPU.
        let cpuPerRequest = cpuMicros / Double(max(okCount, 1))
        print(
            "bench.concurrent workers=\(workers) requests=\(okCount) per_second=\(Self.format(perSecond))",
            "process_cpu_us_per_request=\(Self.format(cpuPerRequest))"
        )
    }

    /// User plus system CPU of this process so far, from fields 14 and 15 of /proc/self/stat.
    private static func processCPUMicros() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let afterName = stat.range(of: ") ", options: .backwards)
        else {
            return 0
        }
        // Fields after the command name start at field 3, so utime and stime are 11 and 12 here.
        let fields = stat[afterName.upperBound...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            return 0
        }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / ticksPerSecond * 1_000_000
    }

    private static func percentiles(_ samples: [Double]) -> (p50: Double, p90: Double) {
        let sorted = samples.sorted()
        return (sorted[sorted.count / 2], sorted[sorted.count * 9 / 10])
    }

    private static func micros(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000_000 + Double(duration.components.attoseconds) / 1e12
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
