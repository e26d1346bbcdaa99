import InfergateCore
import Testing

@testable import InfergateLimits

/// The bounded table of dynamic keys: eviction bound, debt memory, busy entries.
@Suite struct KeyTableTests {
    private let clock = ManualClock()

    private func controller(maxTrackedKeys: Int, unknownLimits: LimitSpec) -> AccessController {
        let configuration = AccessConfiguration(
            unknownCallers: .allow(unknownLimits),
            routes: [RouteAccess(name: "r", perCaller: LimitSpec(requestsPerSecond: 100, burst: 100))],
            maxTrackedKeys: maxTrackedKeys
        )
        return AccessController(configuration: configuration, timeSource: clock)
    }

    private static func address(_ index: Int) -> String {
        "10.\(index >> 16 & 255).\(index >> 8 & 255).\(index & 255)"
    }

    @Test func trackedKeysStayWithinTheCapForManyDistinctCallers() async {
        let gate = controller(maxTrackedKeys: 100_000, unknownLimits: LimitSpec(requestsPerSecond: 1, burst: 2))
        var admitted = 0
        for index in 0..<130_000 {
            if index % 100 == 0 {
                // Long synchronous loops would starve the timing tests sharing the pool.
                await Task.yield()
            }
            if gate.tryAdmit(caller: unknown(Self.address(index)), route: "other").permit != nil {
                admitted += 1
            }
        }
        #expect(admitted == 130_000)
        #expect(gate.trackedKeyCount == 100_000)
        #expect(gate.withState { $0.table.entries.count } == 100_000)
    }

    @Test func evictedKeyDoesNotReturnWithAFullBucket() {
        let gate = controller(maxTrackedKeys: 16, unknownLimits: LimitSpec(requestsPerSecond: 1, burst: 5))
        let victim = unknown("10.200.0.1")
        for _ in 0..<5 {
            #expect(gate.tryAdmit(caller: victim, route: "other").permit != nil)
        }
        #expect(gate.tryAdmit(caller: victim, route: "other").refusal?.code == "rate_limited")

        for index in 0..<100 {
            _ = gate.tryAdmit(caller: unknown(Self.address(index)), route: "other")
        }
        let stillTracked = gate.withState { $0.table.touch(KeyTable.Key(caller: victim.name, route: "")) != nil }
        #expect(!stillTracked)

        // Back after eviction, half a second later: still empty, as it would have been if kept.
        clock.advance(milliseconds: 500)
        #expect(gate.tryAdmit(caller: victim, route: "other").refusal?.code == "rate_limited")
        clock.advance(milliseconds: 500)
        #expect(gate.tryAdmit(caller: victim, route: "other").permit != nil)
        #expect(gate.tryAdmit(caller: victim, route: "other").refusal?.code == "rate_limited")
    }

    @Test func newKeysStillStartFullAfterEvictions() {
        let gate = controller(maxTrackedKeys: 16, unknownLimits: LimitSpec(requestsPerSecond: 1, burst: 3))
        for index in 0..<200 {
            _ = gate.tryAdmit(caller: unknown(Self.address(index)), route: "other")
        }
        let newcomer = unknown("10.250.0.1")
        let admitted = (0..<5).filter { _ in gate.tryAdmit(caller: newcomer, route: "other").permit != nil }.count
        #expect(admitted == 3)
    }

    @Test func keysWithRequestsInFlightAreNotEvicted() {
        let gate = controller(maxTrackedKeys: 16, unknownLimits: LimitSpec(maxInFlight: 1))
        let holder = unknown("10.200.0.9")
        let permit = gate.tryAdmit(caller: holder, route: "other").permit
        #expect(permit != nil)

        for index in 0..<100 {
            if let churn = gate.tryAdmit(caller: unknown(Self.address(index)), route: "other").permit {
                gate.release(churn)
            }
        }
        #expect(gate.tryAdmit(caller: holder, route: "other").refusal?.code == "in_flight_limit")
        if let permit {
            gate.release(permit)
        }
        #expect(gate.tryAdmit(caller: holder, route: "other").permit != nil)
        #expect(gate.trackedKeyCount <= 17)
    }

    @Test func sketchEstimateIsNeverEarlierThanTheRecord() {
        var sketch = DebtSketch()
        var generator = SplitMix64(state: 99)
        var records: [(Int, UInt64)] = []
        for _ in 0..<50_000 {
            let record = (Int(bitPattern: UInt(generator.next())), generator.next() >> 1)
            sketch.record(hash: record.0, fullAt: record.1)
            records.append(record)
        }
        #expect(records.allSatisfy { sketch.fullAt(hash: $0.0) >= $0.1 })
        #expect(DebtSketch().fullAt(hash: 12345) == 0)
    }
}
