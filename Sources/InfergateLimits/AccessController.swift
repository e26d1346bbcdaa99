import InfergateCore
import Synchronization

/// Decides who may send a request and whether it fits the limits: the gateway's shared-access gate.
///
/// Immutable rules are compiled once; all counters live in one `LimiterState` behind a `Mutex`,
/// held only for a handful of integer operations per request (no I/O, no allocation on the
/// admit path). Typical use per request: `identify`, then `tryAdmit` (or `admit` when the caller
/// may wait), forward, `release` the permit, and `noteUpstreamRetryAfter` if the pipeline says so.
/// Limits are per process; `docs/rate-limits.md` describes sharing them across replicas.
public final class AccessController: Sendable {
    let rules: AccessRules
    let timeSource: any TimeSource
    private let state: Mutex<LimiterState>
    private let logger = Logger(label: "infergate.limits")

    /// Compiles `configuration`; call `configuration.validate()` first to reject bad values
    /// (out-of-range values are clamped here rather than trapping).
    public init(configuration: AccessConfiguration, timeSource: any TimeSource = SystemTimeSource()) {
        let rules = AccessRules(configuration)
        self.rules = rules
        self.timeSource = timeSource
        state = Mutex(
            LimiterState(
                rules: rules,
                maxTrackedKeys: configuration.maxTrackedKeys,
                now: timeSource.monotonicNanoseconds
            )
        )
        logger.info(
            "access.configured",
            [
                "callers": String(rules.callers.count),
                "routes": String(rules.routes.count),
                "unknown_policy": rules.unknownLimits == nil ? "deny" : "allow",
                "allowed_sources": rules.allowedSources.map(\.description).joined(separator: ","),
                "max_tracked_keys": String(configuration.maxTrackedKeys),
            ]
        )
    }

    /// Admits one request without waiting: either a permit (release it when the response is done)
    /// or a refusal to send back. Never blocks beyond the mutex.
    public func tryAdmit(caller: CallerIdentity, route: String) -> Result<Permit, AccessRefusal> {
        switch decide(caller: caller, route: route) {
        case .admitted(let permit):
            return .success(permit)
        case .refused(let refusal, _):
            return .failure(refusal)
        }
    }

    /// Returns the in-flight slots `permit` holds. Call exactly once per admitted permit, when the
    /// response has been sent or the request abandoned; a second call would free someone else's slot.
    public func release(_ permit: Permit) {
        state.withLock { state in
            state.release(permit)
        }
    }

    /// Pauses admission to `route` for `seconds` (clamped to 1...3600) after the pipeline answered
    /// 429 or 503 with `Retry-After`; an existing longer pause is kept.
    public func noteUpstreamRetryAfter(route: String, seconds: Int) {
        let now = timeSource.monotonicNanoseconds
        let isNewPause = state.withLock { state in
            state.noteBackoff(route: route, seconds: seconds, now: now)
        }
        // One line when a pause starts, not one per 429 of a storm; counts belong in metrics.
        if isNewPause {
            logger.warning("access.upstream.backoff.started", ["route": route, "seconds": String(seconds)])
        }
    }

    /// Whole seconds (at least 1) left on `route`'s upstream pause, or nil when it is not paused.
    public func upstreamBackoff(route: String) -> Int? {
        let now = timeSource.monotonicNanoseconds
        let remaining = state.withLock { state in
            state.backoffRemaining(route: route, now: now)
        }
        return remaining == 0 ? nil : TokenBucket.wholeSeconds(roundingUp: remaining)
    }

    /// Dynamic keys currently held (unknown callers and caller×route pairs); at most
    /// `maxTrackedKeys` unless every eviction candidate had requests in flight.
    public var trackedKeyCount: Int {
        state.withLock { $0.table.count }
    }

    /// Runs `body` under the state lock; for tests that inspect buckets.
    func withState<Result>(_ body: (inout LimiterState) -> Result) -> Result {
        state.withLock { body(&$0) }
    }

    /// Decides under the lock and returns the raw verdict; used by the waiting path.
    func decide(caller: CallerIdentity, route: String) -> LimiterState.Verdict {
        let now = timeSource.monotonicNanoseconds
        return state.withLock { state in
            state.admit(caller: caller, route: route, now: now, rules: rules)
        }
    }
}
