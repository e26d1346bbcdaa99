import InfergateCore
import Testing

@testable import InfergateLimits

/// `admit` with a wait budget, on the real clock (the sleeps are real).
@Suite struct AccessControllerWaitingTests {
    private static func controller(_ limits: LimitSpec) -> AccessController {
        let configuration = AccessConfiguration(
            callers: [CallerRule(name: "app", header: "X-Caller", value: "app", limits: limits)]
        )
        return AccessController(configuration: configuration)
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    @Test func waitsForTheNextTokenWithinBudget() async {
        let gate = Self.controller(LimitSpec(requestsPerSecond: 10, burst: 1, maxWaitMilliseconds: 500))
        #expect(gate.tryAdmit(caller: known("app"), route: "r").permit != nil)

        let start = ContinuousClock.now
        let result = await gate.admit(caller: known("app"), route: "r")
        let waited = Self.milliseconds(since: start)
        #expect(result.permit != nil)
        #expect(waited >= 80)
        #expect(waited < 5000)
    }

    @Test func refusesAtOnceWhenTheTokenIsBeyondTheBudget() async {
        let gate = Self.controller(LimitSpec(requestsPerSecond: 1, burst: 1, maxWaitMilliseconds: 100))
        #expect(gate.tryAdmit(caller: known("app"), route: "r").permit != nil)

        let start = ContinuousClock.now
        let result = await gate.admit(caller: known("app"), route: "r")
        #expect(result.refusal?.code == "rate_limited")
        #expect(Self.milliseconds(since: start) < 50)
    }

    @Test func waitsForAnInFlightSlotToBeReleased() async {
        let gate = Self.controller(LimitSpec(maxInFlight: 1, maxWaitMilliseconds: 1000))
        guard let held = gate.tryAdmit(caller: known("app"), route: "r").permit else {
            Issue.record("first admission refused")
            return
        }
        let releaser = Task {
            try? await Task.sleep(nanoseconds: 50_000_000)
            gate.release(held)
        }

        let start = ContinuousClock.now
        let result = await gate.admit(caller: known("app"), route: "r")
        let waited = Self.milliseconds(since: start)
        await releaser.value
        #expect(result.permit != nil)
        #expect(waited >= 40)
        #expect(waited < 5000)
    }

    @Test func givesUpOnAnInFlightSlotAfterTheBudget() async {
        let gate = Self.controller(LimitSpec(maxInFlight: 1, maxWaitMilliseconds: 150))
        let held = gate.tryAdmit(caller: known("app"), route: "r").permit
        #expect(held != nil)

        let start = ContinuousClock.now
        let result = await gate.admit(caller: known("app"), route: "r")
        let waited = Self.milliseconds(since: start)
        #expect(result.refusal?.code == "in_flight_limit")
        #expect(waited >= 140)
        #expect(waited < 5000)
    }

    @Test func waitingEndsEvenWhenTheClockStandsStill() async {
        let configuration = AccessConfiguration(
            callers: [
                CallerRule(
                    name: "app",
                    header: "X-Caller",
                    value: "app",
                    limits: LimitSpec(maxInFlight: 1, maxWaitMilliseconds: 20)
                )
            ]
        )
        let gate = AccessController(configuration: configuration, timeSource: ManualClock())
        let held = gate.tryAdmit(caller: known("app"), route: "r").permit
        #expect(held != nil)
        let result = await gate.admit(caller: known("app"), route: "r")
        #expect(result.refusal?.code == "in_flight_limit")
    }

    @Test func noBudgetMeansNoWait() async {
        let gate = Self.controller(LimitSpec(requestsPerSecond: 100, burst: 1))
        #expect(gate.tryAdmit(caller: known("app"), route: "r").permit != nil)
        let result = await gate.admit(caller: known("app"), route: "r")
        #expect(result.refusal?.code == "rate_limited")
    }
}
