import Foundation
import Glibc
import InfergateCore
import Testing

@testable import InfergateUpstream

/// Round-trip overhead of the engine against a raw keep-alive socket, and concurrent throughput.
///
/// Off by default; run with `INFERGATE_BENCH=1 swift test -c release --filter TransferEngineBenchmarkTests`.
/// Each test still asserts that every request succeeded, so it cannot pass on errors.
@Suite("TransferEngine benchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["INFERGATE_BENCH"] == "1"))
struct TransferEngineBenchmarkTests {
    static let rounds = 5_000

    @Test func sequentialRoundTripVersusRawSocket() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }
        let request = UpstreamRequest(method: "GET", url: server.url("/delay/0"))
        for _ in 0..<200 {
            _ = try await engine.perform(request)
        }

        var okCount = 0
        let engineStart = ContinuousClock.now
        for _ in 0..<Self.rounds {
            okCount += try await engine.perform(request).body.count == 2 ? 1 : 0
        }
        let engineElapsed = ContinuousClock.now - engineStart

        let raw = try rawRoundTrips(port: server.port, rounds: Self.rounds)

        #expect(okCount == Self.rounds)
        #expect(raw.ok == Self.rounds)
        let engineMicros = Self.micros(engineElapsed) / Double(Self.rounds)
        let rawMicros = Self.micros(raw.elapsed) / Double(Self.rounds)
        print(
            "bench.sequential rounds=\(Self.rounds) engine_us=\(Self.format(engineMicros))",
            "raw_us=\(Self.format(rawMicros)) overhead_us=\(Self.format(engineMicros - rawMicros))"
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
        #expect(okCount == workers * perWorker)
        let perSecond = Double(okCount) / (Self.micros(elapsed) / 1_000_000)
        print("bench.concurrent workers=\(workers) requests=\(okCount) per_second=\(Self.format(perSecond))")
    }

    private func rawRoundTrips(port: UInt16, rounds: Int) throws -> (ok: Int, elapsed: Duration) {
        let fd = try Socket.connectLoopback(port: port)
        defer { _ = close(fd) }
        let wire = Array("GET /delay/0 HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8)
        var buffer: [UInt8] = []
        var ok = 0
        let started = ContinuousClock.now
        for _ in 0..<rounds {
            guard Socket.sendAll(fd, wire), let body = Socket.readResponseBody(fd, buffer: &buffer) else {
                break
            }
            ok += body.count == 2 ? 1 : 0
        }
        return (ok, ContinuousClock.now - started)
    }

    private static func micros(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000_000 + Double(duration.components.attoseconds) / 1e12
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
