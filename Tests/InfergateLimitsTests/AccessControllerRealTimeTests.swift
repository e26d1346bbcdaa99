import InfergateCore
import Testing

@testable import InfergateLimits

/// Several callers hammering one controller from concurrent tasks on the real clock.
@Suite struct AccessControllerRealTimeTests {
    private static let rates: [(caller: CallerIdentity, rate: Double)] = [
        (known("alpha"), 400),
        (known("beta"), 200),
        (known("gamma"), 100),
        (unknown("10.0.0.1"), 150),
    ]

    @Test(.timeLimit(.minutes(1)))
    func admittedCountsFollowTheConfiguredRates() async {
        let clock = SystemTimeSource()
        let configuration = AccessConfiguration(
            callers: Self.rates.filter(\.caller.isKnown).map { entry in
                CallerRule(
                    name: entry.caller.name,
                    header: "X-Caller",
                    value: entry.caller.name,
                    limits: LimitSpec(requestsPerSecond: entry.rate, burst: Int(entry.rate), maxInFlight: 4)
                )
            },
            unknownCallers: .allow(LimitSpec(requestsPerSecond: 150, burst: 150, maxInFlight: 4)),
            routes: [RouteAccess(name: "score", perCaller: LimitSpec(requestsPerSecond: 10_000, burst: 10_000))]
        )
        let start = clock.monotonicNanoseconds
        let gate = AccessController(configuration: configuration, timeSource: clock)
        let deadline = start + 3_000_000_000

        let (admitted, lastAttempts) = await withTaskGroup(of: (Int, Int, UInt64).self) { group in
            for (index, entry) in Self.rates.enumerated() {
                for _ in 0..<2 {
                    group.addTask {
                        let (count, last) = await Self.hammer(gate, as: entry.caller, until: deadline, clock: clock)
                        return (index, count, last)
                    }
                }
            }
            var counts = Array(repeating: 0, count: Self.rates.count)
            var lastAttempts = Array(repeating: start, count: Self.rates.count)
            for await (index, count, last) in group {
                counts[index] += count
                lastAttempts[index] = max(lastAttempts[index], last)
            }
            return (counts, lastAttempts)
        }

        for (index, entry) in Self.rates.enumerated() {
            // Tokens are earned up to each caller's last attempt; measuring to that instant rather
            // than to the deadline keeps a task starved by parallel tests at the very end from
            // looking like a limiter error.
            let seconds = Double(lastAttempts[index] - start) / 1e9
            #expect(seconds > 2.5, "\(entry.caller.name) stopped early, after \(seconds) s")
            let sustained = entry.rate * seconds
            let expected = entry.rate + sustained
            let count = Double(admitted[index])
            #expect(
                abs(count - expected) <= sustained * 0.01 + 1,
                "\(entry.caller.name): admitted \(admitted[index]), expected \(expected) ± 1%"
            )
        }
        #expect(gate.withState { state in state.callers.allSatisfy { $0.inFlight == 0 } })
    }

    /// Admits and releases as fast as possible until `deadline`; returns how many were admitted and
    /// the clock reading just after the last attempt.
    private static func hammer(
        _ gate: AccessController,
        as caller: CallerIdentity,
        until deadline: UInt64,
        clock: SystemTimeSource
    ) async -> (admitted: Int, lastAttempt: UInt64) {
        var admitted = 0
        var iterations = 0
        var lastAttempt: UInt64 = 0
        // Bounded by the deadline (3 s) and by an iteration cap far above what 3 s allows.
        while clock.monotonicNanoseconds < deadline, iterations < 50_000_000 {
            iterations += 1
            if let permit = gate.tryAdmit(caller: caller, route: "score").permit {
                admitted += 1
                gate.release(permit)
            }
            lastAttempt = clock.monotonicNanoseconds
            if iterations % 32 == 0 {
                await Task.yield()
            }
        }
        return (admitted, lastAttempt)
    }
}
