import Foundation
import InfergateCore
import InfergateUpstream
import Testing

@testable import InfergateGateway

/// Shared access over HTTP: rates per caller, concurrency caps, caller rules, upstream back-off.
@Suite(.serialized) struct GatewayLimitsTests {
    static let callers = #"""
        , "callers": [
            {"name": "fast", "match": {"header": "X-Caller", "value": "fast"},
             "limits": {"requests_per_second": 40, "burst": 40}},
            {"name": "slow", "match": {"header": "X-Caller", "value": "slow"},
             "limits": {"requests_per_second": 15, "burst": 15}},
            {"name": "mid", "match": {"header": "X-Caller", "value": "mid"},
             "limits": {"requests_per_second": 25, "burst": 25}},
            {"name": "narrow", "match": {"header": "X-Caller", "value": "narrow"},
             "limits": {"max_in_flight": 2}},
            {"name": "keyed", "match": {"header": "X-Caller", "value": "keyed"},
             "key_sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
            {"name": "netted", "match": {"header": "X-Caller", "value": "netted", "source": "10.0.0.0/8"}}
        ],
        "unknown_callers": {"policy": "deny"}
        """#

    private struct Tally: Sendable {
        var admitted = 0
        var refused = 0
        var first = Date.distantFuture
        var last = Date.distantPast
    }

    @Test func admittedCountsFollowConfiguredRatesForSeveralCallers() async throws {
        let harness = try await GatewayHarness(extra: Self.callers)
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        // Bursts of one second of rate: a client loop stalled by the shared cores for less than
        // that loses no tokens, so the lower bound measures the limiter, not the test's scheduling.
        let rates: [String: (Double, Int)] = ["fast": (40, 40), "slow": (15, 15), "mid": (25, 25)]

        let deadline = Date().addingTimeInterval(10)
        let tallies = await withTaskGroup(of: (String, Tally).self) { group in
            for caller in rates.keys {
                for _ in 0..<3 {
                    group.addTask {
                        var tally = Tally()
                        while Date() < deadline, tally.admitted + tally.refused < 50_000 {
                            let sent = Date()
                            let status = (try? await harness.send(headers: ["X-Caller": caller]))?.status
                            tally.first = min(tally.first, sent)
                            tally.last = max(tally.last, sent)
                            if status == 200 {
                                tally.admitted += 1
                            } else if status == 429 {
                                tally.refused += 1
                            }
                        }
                        return (caller, tally)
                    }
                }
            }
            var merged: [String: Tally] = [:]
            for await (caller, tally) in group {
                var total = merged[caller] ?? Tally()
                total.admitted += tally.admitted
                total.refused += tally.refused
                total.first = min(total.first, tally.first)
                total.last = max(total.last, tally.last)
                merged[caller] = total
            }
            return merged
        }

        for (caller, (rate, burst)) in rates {
            let tally = try #require(tallies[caller])
            let elapsed = tally.last.timeIntervalSince(tally.first)
            let expected = rate * elapsed
            let admitted = Double(tally.admitted)
            let deviation = (admitted - Double(burst) - expected) / expected * 100
            print(
                "rate limit \(caller): \(tally.admitted) admitted in \(elapsed) s = "
                    + "burst \(burst) + \(deviation)% of rate × time"
            )
            #expect(tally.refused > 0, "\(caller) was never limited; the load did not exceed the rate")
            #expect(admitted >= expected * 0.99, "\(caller): \(admitted) admitted, expected ≥ \(expected * 0.99)")
            #expect(
                admitted <= expected * 1.01 + Double(burst) + 1,
                "\(caller): \(admitted) admitted, expected ≤ \(expected * 1.01 + Double(burst) + 1)"
            )
        }
    }

    @Test func refusalsCarryRetryAfterAndRateLimitHeaders() async throws {
        let harness = try await GatewayHarness(extra: Self.callers)
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        var refusal: UpstreamResponse?
        for _ in 0..<80 where refusal == nil {
            let response = try await harness.send(headers: ["X-Caller": "slow"])
            if response.status == 200 {
                #expect(response.headers["RateLimit-Limit"] != nil)
                #expect(response.headers["RateLimit-Remaining"] != nil)
            } else {
                refusal = response
            }
        }
        let refused = try #require(refusal)
        #expect(refused.status == 429)
        #expect((Int(refused.headers["Retry-After"] ?? "") ?? 0) >= 1)
        #expect(refused.headers["RateLimit-Limit"] != nil)
        #expect(refused.headers["RateLimit-Remaining"] == "0")
        #expect(refused.headers["RateLimit-Reset"] != nil)
        #expect(refused.headers["RateLimit-Policy"] != nil)
        #expect(refused.json?["limit"] as? String == "caller:slow")
        let rows = try harness.auditRows("status, caller, error_code", where: "status = 429")
        #expect(rows.first?["caller"] as? String == "slow")
        #expect(rows.first?["error_code"] as? String == "rate_limited")
    }

    @Test func inFlightCapRefusesTheExcess() async throws {
        let harness = try await GatewayHarness(extra: Self.callers)
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        harness.standIn.setPipelineBehaviour(.delay(milliseconds: 400))
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<6 {
                group.addTask { (try? await harness.send(headers: ["X-Caller": "narrow"]))?.status ?? -1 }
            }
            var all: [Int] = []
            for await status in group {
                all.append(status)
            }
            return all.sorted()
        }
        #expect(statuses == [200, 200, 429, 429, 429, 429])
    }

    @Test func callerRulesAndUnknownPolicyAreEnforced() async throws {
        let harness = try await GatewayHarness(extra: Self.callers)
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()

        #expect(try await harness.send(headers: [:]).status == 403)
        #expect(try await harness.send(headers: ["X-Caller": "netted"]).status == 403)
        #expect(try await harness.send(headers: ["X-Caller": "keyed"]).status == 403)
        #expect(try await harness.send(headers: ["X-Caller": "keyed", "X-Infergate-Key": "wrong"]).status == 403)
        let keyed = try await harness.send(headers: ["X-Caller": "keyed", "X-Infergate-Key": "hello"])
        #expect(keyed.status == 200)
        #expect(harness.standIn.stats.lastPipelineRequest?.headers["X-Infergate-Key"] == nil)
    }

    @Test func sourcesOutsideTheAllowedRangesAreRefusedFirst() async throws {
        let harness = try await GatewayHarness(
            extra: #", "server": {"listen": "127.0.0.1:0", "allowed_sources": ["10.0.0.0/8"]}"#)
        defer { Task { await harness.stop() } }
        let response = try await harness.send()
        #expect(response.status == 403)
        #expect(response.json?["error"] as? String == "source address not allowed")
        #expect(harness.standIn.stats.pipelineRequests == 0)
        #expect(try harness.auditRows("status").count == 1)
    }

    @Test func upstreamRetryAfterPausesTheRoute() async throws {
        let harness = try await GatewayHarness()
        defer { Task { await harness.stop() } }
        try await harness.waitUntilReady()
        harness.standIn.setPipelineBehaviour(.retryAfter(status: 503, seconds: 2))
        let first = try await harness.send()
        #expect(first.status == 503)
        let before = harness.standIn.stats.pipelineRequests

        let paused = try await harness.send()
        #expect(paused.status == 429)
        #expect((Int(paused.headers["Retry-After"] ?? "") ?? 0) >= 1)
        #expect(harness.standIn.stats.pipelineRequests == before)

        harness.standIn.setPipelineBehaviour(.normal)
        try await Task.sleep(for: .milliseconds(2_100))
        #expect(try await harness.send().status == 200)
    }
}
