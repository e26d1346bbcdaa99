import Dispatch
import Foundation
import Glibc
import InfergateCore
import Synchronization
import Testing

@testable import InfergateLimits

/// Cost of `tryAdmit` + `release` and memory per tracked key; runs only with `INFERGATE_BENCH=1`.
/// Command and recorded numbers: `bench/limiter/README.md`.
@Suite(
    .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["INFERGATE_BENCH"] == "1", "set INFERGATE_BENCH=1")
)
struct LimiterBenchmarkTests {
    private static let iterations = 900_000

    private static func configuration(maxTrackedKeys: Int = 100_000) -> AccessConfiguration {
        let fast = LimitSpec(requestsPerSecond: 1_000_000, burst: 1_000_000, maxInFlight: 64)
        return AccessConfiguration(
            callers: ["a", "b"].map { CallerRule(name: $0, header: "X-Caller", value: $0, limits: fast) },
            unknownCallers: .allow(LimitSpec(requestsPerSecond: 1, burst: 5)),
            routes: [
                RouteAccess(name: "plain"),
                RouteAccess(
                    name: "full",
                    limits: LimitSpec(maxInFlight: 1024),
                    perCaller: LimitSpec(requestsPerSecond: 1_000_000, burst: 1_000_000)
                ),
            ],
            maxTrackedKeys: maxTrackedKeys
        )
    }

    /// Nanoseconds of this thread's CPU time; unlike wall time it ignores time spent descheduled,
    /// which matters on a machine shared with other builds.
    private static func threadCPUNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Wall and CPU nanoseconds per admit+release for `caller` on `route`, all admitted.
    private static func measure(
        _ gate: AccessController,
        caller: String,
        route: String
    ) -> (wall: Double, cpu: Double) {
        let identity = known(caller)
        var refused = 0
        let cpuStart = threadCPUNanoseconds()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations {
            switch gate.tryAdmit(caller: identity, route: route) {
            case .success(let permit):
                gate.release(permit)
            case .failure:
                refused += 1
            }
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        let cpu = threadCPUNanoseconds() - cpuStart
        precondition(refused == 0, "benchmark buckets must not run dry")
        return (Double(elapsed) / Double(iterations), Double(cpu) / Double(iterations))
    }

    private static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
            return 0
        }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else {
            return 0
        }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    @Test func singleThread() {
        let caller = AccessController(configuration: Self.configuration())
        let callerOnly = Self.measure(caller, caller: "a", route: "plain")
        let threeLevels = AccessController(configuration: Self.configuration())
        let full = Self.measure(threeLevels, caller: "a", route: "full")
        print(
            "bench.limiter single_thread caller_only_wall_ns=\(Int(callerOnly.wall))",
            "caller_only_cpu_ns=\(Int(callerOnly.cpu))",
            "three_levels_wall_ns=\(Int(full.wall)) three_levels_cpu_ns=\(Int(full.cpu))"
        )
        #expect(callerOnly.cpu > 0 && full.cpu > 0)
    }

    @Test func twoThreads() {
        let gate = AccessController(configuration: Self.configuration())
        let results = Mutex<[(wall: Double, cpu: Double)]>([])
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let cost = Self.measure(gate, caller: index == 0 ? "a" : "b", route: "full")
            results.withLock { $0.append(cost) }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start)
        let perThread = results.withLock { $0 }
        let aggregate = wall / Double(2 * Self.iterations)
        print(
            "bench.limiter two_threads per_thread_wall_ns=\(perThread.map { Int($0.wall) })",
            "per_thread_cpu_ns=\(perThread.map { Int($0.cpu) }) aggregate_wall_ns=\(Int(aggregate))"
        )
        #expect(perThread.count == 2)
    }

    @Test func memoryForDistinctKeys() {
        let before = Self.residentBytes()
        let gate = AccessController(configuration: Self.configuration())
        for index in 0..<100_000 {
            let address = "10.\(index >> 16 & 255).\(index >> 8 & 255).\(index & 255)"
            _ = gate.tryAdmit(caller: unknown(address), route: "plain")
        }
        let after = Self.residentBytes()
        let perKey = Double(after - before) / Double(gate.trackedKeyCount)
        print(
            "bench.limiter memory keys=\(gate.trackedKeyCount)",
            "rss_delta_bytes=\(after - before) bytes_per_key=\(Int(perKey))"
        )
        #expect(gate.trackedKeyCount == 100_000)
    }
}
