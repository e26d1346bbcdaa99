import Foundation
import InfergateCore
import InfergateEvaluator
import InfergateUpstream
import Testing

@testable import InfergateGateway

/// The local model answering for a failed pipeline, end to end, with the Aloha model from
/// `../shared/wallaroo-data` (skipped when that folder is absent).
@Suite(.serialized, .enabled(if: GatewayHarness.alohaModel != nil, "../shared/wallaroo-data is absent"))
struct GatewayFallbackTests {
    static var dataOne: [UInt8] {
        Array(FileManager.default.contents(atPath: GatewayHarness.sharedData! + "/data-1.json") ?? Data())
    }

    static func fallbackRoute(after: Int? = nil, breaker: String = "") -> String {
        let afterText = after.map { #", "after_ms": \#($0)"# } ?? ""
        return #"""
            , "timeout_ms": 3000, "connect_timeout_ms": 500,
            "fallback": {"model": "\#(GatewayHarness.alohaModel!)",
                         "on": ["connect", "timeout", "5xx", "overloaded", "no-token"] \#(afterText)}
            \#(breaker)
            """#
    }

    /// The 15 legacy output values of a response, in order.
    static func legacyOutputs(_ body: [UInt8]) -> [Float]? {
        guard let list = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]],
            let outputs = list.first?["outputs"] as? [[String: Any]]
        else {
            return nil
        }
        return outputs.compactMap { (($0["Float"] as? [String: Any])?["data"] as? [NSNumber])?.first?.floatValue }
    }

    /// What the evaluator itself says for `data-1.json`, in Wallaroo's alphabetical order.
    static func evaluatorOutputs() throws -> [Float] {
        let model = try LoadedModel.load(path: GatewayHarness.alohaModel!)
        let inputs = try WallarooCodec.decodeInput(dataOne, format: .legacy, model: model)
        let outputs = try model.evaluate(inputs)
        return outputs.keys.sorted().compactMap { outputs[$0]?.data.first }
    }

    private static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else {
            return 0
        }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    /// Sends `data-1.json` from two loops for `seconds`; returns statuses, latencies (ms) and bodies seen.
    private func load(_ harness: GatewayHarness, seconds: Double) async -> [(Int, Double, [UInt8], String?)] {
        let deadline = Date().addingTimeInterval(seconds)
        return await withTaskGroup(of: [(Int, Double, [UInt8], String?)].self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var results: [(Int, Double, [UInt8], String?)] = []
                    while Date() < deadline, results.count < 10_000 {
                        let started = Date()
                        let response = try? await harness.send(body: Self.dataOne)
                        let elapsed = Date().timeIntervalSince(started) * 1000
                        results.append(
                            (
                                response?.status ?? -1, elapsed, response?.body ?? [],
                                response?.headers["X-Infergate-Served-By"]
                            )
                        )
                    }
                    return results
                }
            }
            var all: [(Int, Double, [UInt8], String?)] = []
            for await part in group {
                all += part
            }
            return all
        }
    }

    @Test func stoppingThePipelineFailsNoRequestAndAnswersWithTheEvaluatorsOutputs() async throws {
        let harness = try await GatewayHarness(route: Self.fallbackRoute())
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        let expected = try Self.evaluatorOutputs()

        let up = await load(harness, seconds: 2)
        await harness.standIn.shutdown()
        let down = await load(harness, seconds: 3)

        #expect(up.allSatisfy { $0.0 == 200 })
        #expect(down.allSatisfy { $0.0 == 200 }, "failed while down: \(down.filter { $0.0 != 200 }.count)")
        let local = down.filter { $0.3 == "local-model" }
        #expect(local.count > down.count / 2)
        for sample in local.prefix(20) {
            #expect(Self.legacyOutputs(sample.2) == expected)
        }
        let upP99 = Self.percentile(up.map(\.1), 0.99)
        let downP99 = Self.percentile(down.map(\.1), 0.99)
        print(
            "fallback latency: pipeline up p99 \(upP99) ms (\(up.count) requests); "
                + "down p99 \(downP99) ms (\(down.count) requests)"
        )

        let rows = try harness.auditRows("served_by, fallback_reason", where: "served_by = 'local-model'")
        #expect(rows.count == local.count)
        #expect(rows.allSatisfy { ($0["fallback_reason"] as? String)?.isEmpty == false })
    }

    @Test func circuitOpensAfterFailuresAndClosesAfterRecovery() async throws {
        let breaker = #", "circuit_breaker": {"consecutive_failures": 3, "open_ms": 500, "half_open_probes": 2}"#
        let harness = try await GatewayHarness(route: Self.fallbackRoute(breaker: breaker))
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()

        harness.standIn.setPipelineBehaviour(.status(500, body: "boom", contentType: "text/plain"))
        for _ in 0..<3 {
            #expect(try await harness.send(body: Self.dataOne).headers["X-Infergate-Served-By"] == "local-model")
        }
        let sentWhileClosed = harness.standIn.stats.pipelineRequests
        #expect(harness.gateway.runtime.routes[0].circuitState == .open)
        for _ in 0..<5 {
            #expect(try await harness.send(body: Self.dataOne).status == 200)
        }
        #expect(harness.standIn.stats.pipelineRequests == sentWhileClosed, "requests reached the pipeline while open")

        harness.standIn.setPipelineBehaviour(.normal)
        try await Task.sleep(for: .milliseconds(600))
        for _ in 0..<3 {
            _ = try await harness.send(body: Self.dataOne)
        }
        #expect(harness.gateway.runtime.routes[0].circuitState == .closed)
        let after = try await harness.send(body: Self.dataOne)
        #expect(after.headers["X-Infergate-Served-By"] == nil)
        let ready = try await harness.send("GET", "/readyz", headers: [:], body: [])
        #expect(ready.text.contains(#""circuit":"closed""#))
    }

    @Test func afterMillisecondsBoundsLatencyWhenThePipelineHangs() async throws {
        let harness = try await GatewayHarness(route: Self.fallbackRoute(after: 300))
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        harness.standIn.setPipelineBehaviour(.hang)
        let started = Date()
        let response = try await harness.send(body: Self.dataOne)
        let elapsed = Date().timeIntervalSince(started)
        #expect(response.status == 200)
        #expect(response.headers["X-Infergate-Served-By"] == "local-model")
        #expect(elapsed < 1.5, "answer took \(elapsed) s with after_ms 300")
    }

    @Test func expiredTokenWithTokenEndpointDownIsServedLocally() async throws {
        let harness = try await GatewayHarness(
            tokenLifetimeSeconds: 2,
            route: Self.fallbackRoute(),
            provider: #", "clock_skew_s": 0.5, "wait_timeout_ms": 300"#
        )
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        harness.standIn.setTokenBehaviour(.down)
        try await Task.sleep(for: .milliseconds(2_200))
        let response = try await harness.send(body: Self.dataOne)
        #expect(response.status == 200)
        #expect(response.headers["X-Infergate-Served-By"] == "local-model")
        let rows = try harness.auditRows("fallback_reason", where: "served_by = 'local-model'")
        #expect((rows.last?["fallback_reason"] as? String)?.contains("token") == true)
    }

    @Test func callerFaultsAreRelayedNeverMasked() async throws {
        let harness = try await GatewayHarness(route: Self.fallbackRoute())
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        for status in [400, 404, 413] {
            let body = #"{"code":\#(status),"status":"error","error":"caller fault","source":"engine"}"#
            harness.standIn.setPipelineBehaviour(.status(status, body: body, contentType: "application/json"))
            let response = try await harness.send(body: Self.dataOne)
            #expect(response.status == status)
            #expect(response.text == body)
            #expect(response.headers["X-Infergate-Served-By"] == nil)
        }
    }

    @Test func pandasRecordsAndArrowRequestsGetTheirOwnAnswers() async throws {
        let harness = try await GatewayHarness(route: Self.fallbackRoute())
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        harness.standIn.setPipelineBehaviour(.status(503, body: "down", contentType: "text/plain"))

        let row = String(repeating: "0,", count: 40) + "28,16,32,23,29,32,30,19,26,17"
        let records = Array("[{\"text_input\":[\(row)]}]".utf8)
        let pandas = try await harness.send(
            headers: ["Content-Type": "application/json; format=pandas-records"], body: records)
        #expect(pandas.status == 200)
        #expect(pandas.headers["Content-Type"] == "application/json; format=pandas-records")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(pandas.body)) as? [[String: Any]])
        let out = try #require(list.first?["out"] as? [String: Any])
        #expect(out.keys.count == 15)

        let arrow = try await harness.send(
            headers: ["Content-Type": "application/vnd.apache.arrow.file", "format": "arrow"],
            body: [0x41, 0x52, 0x52, 0x4F, 0x57, 0x31]
        )
        #expect(arrow.status == 502)
        #expect((arrow.json?["error"] as? String)?.contains("Arrow") == true)
    }
}
