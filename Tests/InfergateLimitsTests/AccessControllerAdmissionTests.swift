import InfergateCore
import Testing

@testable import InfergateLimits

/// Admission across caller, caller×route and route levels, with an injected clock.
@Suite struct AccessControllerAdmissionTests {
    private let clock = ManualClock()

    private func controller(
        callerLimits: LimitSpec = .unlimited,
        unknownLimits: LimitSpec = .unlimited,
        routes: [RouteAccess] = []
    ) -> AccessController {
        let configuration = AccessConfiguration(
            callers: [CallerRule(name: "app", header: "X-Caller", value: "app", limits: callerLimits)],
            unknownCallers: .allow(unknownLimits),
            routes: routes
        )
        return AccessController(configuration: configuration, timeSource: clock)
    }

    @Test func refusalByOneBucketConsumesNoOther() {
        let gate = controller(
            callerLimits: LimitSpec(requestsPerSecond: 1, burst: 5),
            routes: [RouteAccess(name: "narrow", limits: LimitSpec(requestsPerSecond: 1, burst: 2))]
        )
        #expect(gate.tryAdmit(caller: known("app"), route: "narrow").permit != nil)
        #expect(gate.tryAdmit(caller: known("app"), route: "narrow").permit != nil)
        for _ in 0..<3 {
            let refusal = gate.tryAdmit(caller: known("app"), route: "narrow").refusal
            #expect(refusal?.code == "rate_limited")
            #expect(refusal?.limitName == "route:narrow")
        }
        // The caller bucket paid only for the two admitted requests: three tokens are left.
        let admittedElsewhere = (0..<6).filter { _ in
            gate.tryAdmit(caller: known("app"), route: "wide").permit != nil
        }.count
        #expect(admittedElsewhere == 3)
        #expect(gate.tryAdmit(caller: known("app"), route: "wide").refusal?.limitName == "caller:app")
    }

    @Test func perCallerRouteBucketsAreSeparate() {
        let route = RouteAccess(name: "score", perCaller: LimitSpec(requestsPerSecond: 1, burst: 2))
        let gate = controller(routes: [route])
        for _ in 0..<2 {
            #expect(gate.tryAdmit(caller: known("app"), route: "score").permit != nil)
        }
        let refusal = gate.tryAdmit(caller: known("app"), route: "score").refusal
        #expect(refusal?.limitName == "caller_route:app@score")
        #expect(gate.tryAdmit(caller: unknown("10.0.0.1"), route: "score").permit != nil)
        #expect(gate.trackedKeyCount == 2)
    }

    @Test func unknownCallersEachGetTheirOwnBucket() {
        let gate = controller(unknownLimits: LimitSpec(requestsPerSecond: 1, burst: 2))
        for _ in 0..<2 {
            #expect(gate.tryAdmit(caller: unknown("10.0.0.1"), route: "r").permit != nil)
        }
        #expect(gate.tryAdmit(caller: unknown("10.0.0.1"), route: "r").refusal?.limitName == "caller:ip:10.0.0.1")
        #expect(gate.tryAdmit(caller: unknown("10.0.0.2"), route: "r").permit != nil)
        clock.advance(milliseconds: 1000)
        #expect(gate.tryAdmit(caller: unknown("10.0.0.1"), route: "r").permit != nil)
    }

    @Test func inFlightCapsHoldUntilRelease() {
        let gate = controller(
            callerLimits: LimitSpec(maxInFlight: 2),
            routes: [RouteAccess(name: "r", limits: LimitSpec(maxInFlight: 3))]
        )
        let first = gate.tryAdmit(caller: known("app"), route: "r").permit
        let second = gate.tryAdmit(caller: known("app"), route: "r").permit
        #expect(first != nil && second != nil)

        let refusal = gate.tryAdmit(caller: known("app"), route: "r").refusal
        #expect(refusal?.status == 429)
        #expect(refusal?.code == "in_flight_limit")
        #expect(refusal?.limitName == "caller:app")
        #expect(refusal?.headers.fields == [HTTPHeaders.Field(name: "Retry-After", value: "1")])

        // The route cap (3) binds across callers.
        let third = gate.tryAdmit(caller: unknown("10.0.0.7"), route: "r").permit
        #expect(third != nil)
        #expect(gate.tryAdmit(caller: unknown("10.0.0.8"), route: "r").refusal?.limitName == "route:r")

        if let first {
            gate.release(first)
        }
        #expect(gate.tryAdmit(caller: known("app"), route: "r").permit != nil)
        #expect(gate.withState { $0.callers[0].inFlight } == 2)
        #expect(gate.withState { $0.routes[0].inFlight } == 3)
    }

    @Test func permitsCarryTheTightestBucketsQuota() {
        let gate = controller(
            callerLimits: LimitSpec(requestsPerSecond: 50, burst: 100),
            routes: [RouteAccess(name: "r", limits: LimitSpec(requestsPerSecond: 2, burst: 3))]
        )
        let wide = gate.tryAdmit(caller: known("app"), route: "elsewhere").permit
        #expect(
            wide?.headers.fields == [
                HTTPHeaders.Field(name: "RateLimit-Limit", value: "50"),
                HTTPHeaders.Field(name: "RateLimit-Remaining", value: "99"),
                HTTPHeaders.Field(name: "RateLimit-Reset", value: "1"),
                HTTPHeaders.Field(name: "RateLimit-Policy", value: "50;w=1;burst=100"),
            ]
        )
        let narrow = gate.tryAdmit(caller: known("app"), route: "r").permit
        #expect(narrow?.headers["RateLimit-Policy"] == "2;w=1;burst=3")
        #expect(narrow?.headers["RateLimit-Remaining"] == "2")
        #expect(narrow?.remaining == 2)
    }

    @Test func refusalHeadersAreExact() {
        let gate = controller(callerLimits: LimitSpec(requestsPerSecond: 0.5, burst: 1))
        #expect(gate.tryAdmit(caller: known("app"), route: "r").permit != nil)
        let refusal = gate.tryAdmit(caller: known("app"), route: "r").refusal
        #expect(refusal?.status == 429)
        #expect(refusal?.retryAfterSeconds == 2)
        #expect(
            refusal?.headers.fields == [
                HTTPHeaders.Field(name: "Retry-After", value: "2"),
                HTTPHeaders.Field(name: "RateLimit-Limit", value: "1"),
                HTTPHeaders.Field(name: "RateLimit-Remaining", value: "0"),
                HTTPHeaders.Field(name: "RateLimit-Reset", value: "2"),
                HTTPHeaders.Field(name: "RateLimit-Policy", value: "1;w=2;burst=1"),
            ]
        )
        clock.advance(milliseconds: 1500)
        #expect(gate.tryAdmit(caller: known("app"), route: "r").refusal?.headers["Retry-After"] == "1")
        clock.advance(milliseconds: 500)
        #expect(gate.tryAdmit(caller: known("app"), route: "r").permit != nil)
    }

    @Test func fractionalRatesUseTheSmallestWholeWindow() {
        let gate = controller(callerLimits: LimitSpec(requestsPerSecond: 2.5, burst: 4))
        let permit = gate.tryAdmit(caller: known("app"), route: "r").permit
        #expect(permit?.headers["RateLimit-Policy"] == "5;w=2;burst=4")
        #expect(permit?.headers["RateLimit-Limit"] == "5")
    }

    @Test func upstreamBackoffPausesTheRouteUntilItExpires() {
        let gate = controller()
        #expect(gate.upstreamBackoff(route: "score") == nil)
        gate.noteUpstreamRetryAfter(route: "score", seconds: 2)
        #expect(gate.upstreamBackoff(route: "score") == 2)
        #expect(gate.upstreamBackoff(route: "other") == nil)

        let refusal = gate.tryAdmit(caller: known("app"), route: "score").refusal
        #expect(refusal?.code == "upstream_backoff")
        #expect(refusal?.status == 429)
        #expect(refusal?.headers["Retry-After"] == "2")
        #expect(gate.tryAdmit(caller: known("app"), route: "other").permit != nil)

        clock.advance(milliseconds: 1500)
        #expect(gate.upstreamBackoff(route: "score") == 1)
        clock.advance(milliseconds: 500)
        #expect(gate.upstreamBackoff(route: "score") == nil)
        #expect(gate.tryAdmit(caller: known("app"), route: "score").permit != nil)
    }

    @Test func laterPausesWinAndZeroMeansOneSecond() {
        let gate = controller()
        gate.noteUpstreamRetryAfter(route: "score", seconds: 10)
        gate.noteUpstreamRetryAfter(route: "score", seconds: 1)
        #expect(gate.upstreamBackoff(route: "score") == 10)

        gate.noteUpstreamRetryAfter(route: "fast", seconds: 0)
        #expect(gate.upstreamBackoff(route: "fast") == 1)
        clock.advance(milliseconds: 999)
        #expect(gate.upstreamBackoff(route: "fast") == 1)
        clock.advance(milliseconds: 1)
        #expect(gate.upstreamBackoff(route: "fast") == nil)
    }

    @Test func absurdRetryAfterIsCappedAtAnHour() {
        let gate = controller()
        gate.noteUpstreamRetryAfter(route: "score", seconds: 86_400 * 30)
        #expect(gate.upstreamBackoff(route: "score") == 3600)
    }
}
