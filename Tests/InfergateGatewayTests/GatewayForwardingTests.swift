import Foundation
import InfergateCore
import Testing

@testable import InfergateGateway
@testable import InfergateUpstream

/// The foundation's promises over real sockets: byte-for-byte forwarding, credentials owned
/// by the gateway, defined answers for unknown paths and broken upstreams, audit rows for all.
@Suite(.serialized) struct GatewayForwardingTests {
    @Test func forwardsBytesHeadersAndQueryVerbatim() async throws {
        let harness = try await GatewayHarness()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()

        let body = Array(#"[{"text_input":[0,0,28,16,32,23,29,32,30,19,26,17]}]"#.utf8)
        let query = "dataset%5B%5D=%2A&dataset.exclude%5B%5D=metadata&dataset.separator=."
        let response = try await harness.send(
            "POST",
            "/v1/api/pipelines/infer/aloha-1/aloha?" + query,
            headers: [
                "Content-Type": "application/json; format=pandas-records",
                "Accept": "application/json; format=pandas-records",
                "format": "arrow",
                "Authorization": "Bearer caller-supplied-must-not-pass",
                "X-Request-Id": "req-42",
            ],
            body: body
        )
        #expect(response.status == 200)
        #expect(response.headers["X-Request-Id"] == "req-42")

        let seen = try #require(harness.standIn.stats.lastPipelineRequest)
        #expect(seen.method == "POST")
        #expect(seen.target == "/v1/api/pipelines/infer/aloha-1/aloha?" + query)
        #expect(seen.body == body)
        #expect(seen.headers["Content-Type"] == "application/json; format=pandas-records")
        #expect(seen.headers["Accept"] == "application/json; format=pandas-records")
        #expect(seen.headers["format"] == "arrow")
        #expect(seen.headers["X-Request-Id"] == "req-42")
        #expect(seen.headers["X-Forwarded-For"] == "127.0.0.1")
        let authorization = try #require(seen.headers["Authorization"])
        #expect(authorization.hasPrefix("Bearer "))
        #expect(!authorization.contains("caller-supplied"))
        // The transfer ran on the multi handle of the HTTP worker that owns the connection.
        let drivers = harness.gateway.engine.loopDrivers
        #expect(drivers.count == ProcessInfo.processInfo.activeProcessorCount)
        #expect(drivers.map { $0.startedTransfers.load(ordering: .relaxed) }.reduce(0, +) == 1)

        let records = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]])
        #expect(records.count == 1)
        #expect(records[0]["out"] != nil)

        let rows = try harness.auditRows("status, served_by, route, caller, token_fingerprint, request_id, path")
        #expect(rows.count == 1)
        #expect(rows.first?["status"] as? Int == 200)
        #expect(rows.first?["served_by"] as? String == "upstream")
        #expect(rows.first?["route"] as? String == "aloha")
        #expect(rows.first?["request_id"] as? String == "req-42")
        #expect((rows.first?["token_fingerprint"] as? String)?.hasPrefix("sha256:") == true)
        #expect(rows.first?["caller"] as? String == "ip:127.0.0.1")
    }

    @Test func relaysUpstreamErrorsVerbatim() async throws {
        let harness = try await GatewayHarness()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()

        let legacyError = #"[{"error":"There was an error sending data to the pipeline","error_type":"InternalError"}]"#
        harness.standIn.setPipelineBehaviour(.status(500, body: legacyError, contentType: "application/json"))
        let response = try await harness.send()
        #expect(response.status == 500)
        #expect(response.text == legacyError)

        harness.standIn.setPipelineBehaviour(
            .status(400, body: "tensor values may not be null", contentType: "text/plain"))
        let badInput = try await harness.send()
        #expect(badInput.status == 400)
        #expect(badInput.text == "tensor values may not be null")
        #expect(badInput.headers["Content-Type"] == "text/plain")
    }

    @Test func unknownPathsAndTraversalGetJSONErrorsAndAuditRows() async throws {
        let harness = try await GatewayHarness()
        defer { Task { await harness.stop() } }

        let missing = try await harness.send("POST", "/v1/api/pipelines/infer/other-2")
        #expect(missing.status == 404)
        #expect(missing.json?["source"] as? String == "gateway")
        #expect(missing.json?["status"] as? String == "error")

        let traversal = try await harness.send("POST", "/v1/api/pipelines/infer/aloha-1/%2e%2e/%2e%2e/admin")
        #expect(traversal.status == 400)
        #expect(harness.standIn.stats.pipelineRequests == 0)

        let rows = try harness.auditRows("status, error_code")
        #expect(rows.map { $0["status"] as? Int } == [404, 400])
        #expect(rows.map { $0["error_code"] as? String } == ["route_not_found", "invalid_path"])
    }

    @Test func brokenUpstreamsGetGatewayErrors() async throws {
        let harness = try await GatewayHarness(route: #", "timeout_ms": 500"#)
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()

        harness.standIn.setPipelineBehaviour(.hang)
        let slow = try await harness.send()
        #expect(slow.status == 504)
        #expect(slow.json?["error"] as? String != nil)

        harness.standIn.setPipelineBehaviour(.resetMidBody)
        let reset = try await harness.send()
        #expect(reset.status == 502)

        harness.standIn.setPipelineBehaviour(.closeBeforeResponse)
        let closed = try await harness.send()
        #expect(closed.status == 502)

        let rows = try harness.auditRows("status, served_by, error_code")
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { ($0["error_code"] as? String)?.hasPrefix("upstream_") == true })
    }

    @Test func refusedConnectionIsA502NamingIt() async throws {
        let harness = try await GatewayHarness()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        await harness.standIn.shutdown()
        let response = try await harness.send()
        #expect(response.status == 502)
        #expect(response.json?["error"] as? String == "upstream connection refused")
        #expect(response.json?["source"] as? String == "gateway")
    }

    @Test func operationalEndpointsAnswer() async throws {
        let harness = try await GatewayHarness()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()

        let health = try await harness.send("GET", "/healthz", headers: [:], body: [])
        #expect(health.status == 200)
        let ready = try await harness.send("GET", "/readyz", headers: [:], body: [])
        #expect(ready.status == 200)
        _ = try await harness.send()
        let metrics = try await harness.send("GET", "/metrics", headers: [:], body: [])
        #expect(metrics.text.contains(#"infergate_requests_total{route="aloha",status="200",served_by="upstream"} 1"#))
        #expect(metrics.text.contains("infergate_request_duration_seconds_bucket"))
        #expect(metrics.text.contains(#"infergate_token_valid{provider="wallaroo"} 1"#))
        #expect(!metrics.text.contains("/v1/api"))
    }
}

/// Requests the HTTP front refuses on its own still get a JSON answer and an audit row.
@Suite(.serialized) struct GatewayRejectionTests {
    @Test func oversizedBodyIsRefusedAndAudited() async throws {
        let harness = try await GatewayHarness(extra: #", "server": {"listen": "127.0.0.1:0", "max_body_bytes": 1024}"#)
        defer { Task { await harness.stop() } }
        let response = try await harness.send(body: Array(repeating: UInt8(ascii: "a"), count: 4_096))
        #expect(response.status == 413)
        #expect(response.json?["source"] as? String == "gateway")
        #expect(harness.standIn.stats.pipelineRequests == 0)
        var rows: [[String: Any]] = []
        for _ in 0..<50 where rows.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
            rows = try harness.auditRows("status, served_by, error_code")
        }
        #expect(rows.first?["status"] as? Int == 413)
        #expect(rows.first?["served_by"] as? String == "gateway")
    }

    @Test func thousandConcurrentSlowRequestsAreHeldOnFewThreads() async throws {
        let harness = try await GatewayHarness(
            extra: #", "server": {"listen": "127.0.0.1:0", "max_connections": 4096}"#)
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        harness.standIn.setPipelineBehaviour(.delay(milliseconds: 1_500))
        let threadsBefore = Self.threadCount()
        async let statuses = withTaskGroup(of: Int.self) { group in
            for _ in 0..<1_000 {
                group.addTask { (try? await harness.send(timeoutMilliseconds: 30_000))?.status ?? -1 }
            }
            var all: [Int] = []
            for await status in group {
                all.append(status)
            }
            return all
        }
        try await Task.sleep(for: .milliseconds(1_000))
        let threadsDuring = Self.threadCount()
        let results = await statuses
        #expect(results.count == 1_000)
        #expect(results.allSatisfy { $0 == 200 }, "not 200: \(results.filter { $0 != 200 }.count)")
        // Gateway, stand-in and client share this process: threads must not grow with requests.
        #expect(threadsDuring - threadsBefore < 64, "threads grew from \(threadsBefore) to \(threadsDuring)")
    }

    private static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }
}
