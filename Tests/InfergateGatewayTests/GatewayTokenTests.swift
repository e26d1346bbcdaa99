import Foundation
import InfergateCore
import InfergateTokens
import Testing

@testable import InfergateGateway

/// Token rotation end to end: stand-in Keycloak, real libcurl, the real gateway.
@Suite(.serialized) struct GatewayTokenTests {
    @Test func shortLivedTokensUnderLoadNeverReachCallersAs401() async throws {
        // Tokens live 2 s; the provider must rotate them ahead of expiry with one fetch each.
        let harness = try await GatewayHarness(
            tokenLifetimeSeconds: 2,
            provider: #", "clock_skew_s": 0.5, "min_refresh_interval_s": 0.5"#
        )
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        let fetchesBefore = harness.standIn.stats.tokenRequests

        let deadline = Date().addingTimeInterval(10)
        let statuses = await withTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var seen: [Int] = []
                    while Date() < deadline, seen.count < 20_000 {
                        let status = (try? await harness.send())?.status ?? -1
                        seen.append(status)
                    }
                    return seen
                }
            }
            var all: [Int] = []
            for await part in group {
                all += part
            }
            return all
        }
        let fetches = harness.standIn.stats.tokenRequests - fetchesBefore
        print("token rotation: \(statuses.count) requests in 10 s, \(fetches) token fetches, statuses \(Set(statuses))")
        #expect(statuses.count > 100)
        #expect(statuses.allSatisfy { $0 == 200 }, "statuses other than 200: \(Set(statuses))")
        #expect(harness.standIn.stats.unauthorizedAnswers == 0)
        // 10 s of 2 s tokens: about 5 to 10 rotations depending on the refresh fraction, never a storm.
        #expect((4...12).contains(fetches), "token fetches: \(fetches)")
    }

    @Test func revokedTokenIsPurgedAndTheRequestReplayedOnce() async throws {
        let harness = try await GatewayHarness()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        _ = try await harness.send()
        let fetchesBefore = harness.standIn.stats.tokenRequests

        harness.standIn.revokeAllTokens()
        let body = Array(#"{"text_input":[[1,2,3]]}"#.utf8)
        let response = try await harness.send(body: body)
        #expect(response.status == 200)
        #expect(harness.standIn.stats.unauthorizedAnswers == 1)
        #expect(harness.standIn.stats.tokenRequests == fetchesBefore + 1)
        #expect(harness.standIn.stats.lastPipelineRequest?.body == body)

        let rows = try harness.auditRows("status, upstream_attempts", where: "status = 200")
        #expect(rows.last?["upstream_attempts"] as? Int == 2)
    }

    @Test func secondUnauthorizedGoesBackToTheCallerUnchanged() async throws {
        let harness = try await GatewayHarness()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        let denial = #"{"code":401,"status":"error","error":"Jwt is expired","source":"platform"}"#
        harness.standIn.setPipelineBehaviour(.status(401, body: denial, contentType: "application/json"))
        let response = try await harness.send()
        #expect(response.status == 401)
        #expect(response.text == denial)
        let rows = try harness.auditRows("upstream_attempts")
        #expect(rows.last?["upstream_attempts"] as? Int == 2)
    }

    @Test func tokenEndpointDownAcrossExpiryGivesAClearGatewayError() async throws {
        let harness = try await GatewayHarness(
            tokenLifetimeSeconds: 2,
            provider: #", "clock_skew_s": 0.5, "wait_timeout_ms": 500"#
        )
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        harness.standIn.setTokenBehaviour(.down)

        // While the token is still valid, requests keep flowing.
        #expect(try await harness.send().status == 200)
        try await Task.sleep(for: .milliseconds(2_200))

        let response = try await harness.send()
        #expect(response.status == 502)
        #expect(response.json?["error"] as? String == "no valid token for upstream: token endpoint unreachable")
        #expect(harness.standIn.stats.unauthorizedAnswers == 0)

        let ready = try await harness.send("GET", "/readyz", headers: [:], body: [])
        #expect(ready.status == 503)

        harness.standIn.setTokenBehaviour(.normal)
        let recovered = Date().addingTimeInterval(8)
        var status = 0
        while Date() < recovered, status != 200 {
            try await Task.sleep(for: .milliseconds(200))
            status = try await harness.send().status
        }
        #expect(status == 200)
    }

    @Test func malformedTokenResponsesAreRetriedNotAttached() async throws {
        let harness = try await GatewayHarness(
            provider: #", "wait_timeout_ms": 300"#,
            initialTokenBehaviour: .emptyBody200
        )
        defer { Task { await harness.stop() } }
        try await Task.sleep(for: .milliseconds(300))
        let response = try await harness.send()
        #expect(response.status == 502)
        #expect(harness.standIn.stats.pipelineRequests == 0)
        harness.standIn.setTokenBehaviour(.normal)
        try await harness.waitUntilReady(seconds: 6)
        #expect(try await harness.send().status == 200)
    }

    @Test func hangingTokenEndpointGivesA504AfterTheWaitTimeout() async throws {
        let harness = try await GatewayHarness(
            provider: #", "wait_timeout_ms": 300, "fetch_timeout_ms": 10000"#,
            initialTokenBehaviour: .hang
        )
        defer { Task { await harness.stop() } }
        try await Task.sleep(for: .milliseconds(100))

        let started = Date()
        let response = try await harness.send()
        #expect(response.status == 504)
        #expect(response.json?["error"] as? String == TokenError.waitTimeout.message)
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(harness.standIn.stats.pipelineRequests == 0)
        let rows = try harness.auditRows("status, error_code")
        #expect(rows.last?["status"] as? Int == 504)
        #expect(rows.last?["error_code"] as? String == "token_wait_timeout")
    }
}
