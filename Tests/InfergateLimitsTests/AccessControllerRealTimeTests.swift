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

        let (admitted, spans) = await withTaskGroup(of: (Int, Int, Span).self) { group in
            for (index, entry) in Self.rates.enumerated() {
                for _ in 0..<2 {
                    group.addTask {
                        let (count, span) = await Self.hammer(gate, as: entry.caller, until: deadline, clock: clock)
                        return (index, count, span)
                    }
                }
            }
            var counts = Array(repeating: 0, count: Self.rates.count)
            var spans = Array(repeating: Span(first: .max, last: 0), count: Self.rates.count)
            for await (index, count, span) in group {
                counts[index] += count
                spans[index] = Span(first: min(spans[index].first, span.first), last: max(spans[index].last, span.last))
            }
            return (counts, spans)
        }

        for (index, entry) in Self.rates.enumerated() {
            // The bucket is full at the caller's first attempt and earns tokens until its last one;
            // measuring that span rather than start-to-deadline keeps tasks that parallel tests
            // started late or starved at the end from looking like a limiter error.
            let seconds = Double(spans[index].last - spans[index].first) / 1e9
            #expect(seconds > 2, "\(entry.caller.name) hammered for only \(seconds) s")
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

    /// First and last attempt of a hammering task, in monotonic nanoseconds.
    private struct Span: Sendable {
        var first: UInt64
        var last: UInt64
    }

    /// Admits and releases as fast as possible until `deadline`; returns how many were admitted and
    /// the clock readings just before the first attempt and just after the last.
    private static func hammer(
        _ gate: AccessController,
        as caller: CallerIdentity,
        until deadline: UInt64,
        clock: SystemTimeSource
    ) async -> (admitted: Int, span: Span) {
        var admitted = 0
        var iterations = 0
        var span = Span(first: clock.monotonicNanoseconds, last: 0)
        // Bounded by the deadline (3 s) and by an iteration cap far above what 3 s allows.
        while clock.monotonicNanoseconds < deadline, iterations < 50_000_000 {
            iterations += 1
            if let permit = gate.tryAdmit(caller: caller, route: "score").permit {
                admitted += 1
                gate.release(permit)
            }
            span.last = clock.monotonicNanoseconds
            if iterations % 32 == 0 {
                await Task.yield()
            }
        }
        return (admitted, span)
    }
}
