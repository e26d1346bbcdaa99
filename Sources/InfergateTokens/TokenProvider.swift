import Dispatch
import InfergateCore
import Synchronization

/// Keeps one valid bearer token for one upstream: fetches at start, refreshes before expiry,
/// retries with backoff, and lets any number of concurrent callers share a single fetch.
///
/// All decisions are made by a `TokenLifecycle` held in `state` (a `Mutex`); this class only
/// carries out its actions: fetches run in a `Task`, timers on `timerQueue`, and parked
/// callers are continuations resumed outside the lock. `token()` on the hot path costs one
/// lock and a clock read. Secrets reach the network only, never logs or errors.
public final class TokenProvider: Sendable {
    /// Everything the mutex guards: the lifecycle, parked callers, timer and fetch numbering.
    struct State {
        var lifecycle: TokenLifecycle
        var waiters: [UInt64: CheckedContinuation<Result<BearerToken, TokenError>, Never>] = [:]
        var nextWaiterID: UInt64 = 0
        var timerGeneration: UInt64 = 0
        /// Numbers fetches so a result that arrives after its watchdog fired is ignored.
        var fetchID: UInt64 = 0
    }

    /// Side effects collected under the lock and run after it is released.
    struct Effects {
        var served: BearerToken?
        var failure: TokenError?
        var mustWait = false
        var fetch: (kind: TokenLifecycle.FetchKind, id: UInt64)?
        var resume: [CheckedContinuation<Result<BearerToken, TokenError>, Never>] = []
        var resumeWith: Result<BearerToken, TokenError>?
        var wake: (atNanoseconds: UInt64, generation: UInt64)?
    }

    let configuration: TokenProviderConfiguration
    let client: any TokenEndpointClient
    let timeSource: any TimeSource
    let log: TokenLog
    let builder: TokenRequestBuilder
    let state: Mutex<State>
    let timerQueue = DispatchQueue(label: "infergate.tokens.timers")

    /// A provider that does nothing until `start()` or the first `token()` call.
    ///
    /// `logObserver` mirrors every log event (tests); production passes nil.
    public init(
        configuration: TokenProviderConfiguration,
        client: any TokenEndpointClient,
        timeSource: any TimeSource = SystemTimeSource(),
        logger: Logger,
        logObserver: TokenLogObserver? = nil
    ) {
        self.configuration = configuration
        self.client = client
        self.timeSource = timeSource
        self.log = TokenLog(logger: logger.with(["token.provider": configuration.name]), observer: logObserver)
        self.builder = TokenRequestBuilder(configuration: configuration)
        let lifecycle = TokenLifecycle(schedule: TokenSchedule(configuration: configuration))
        self.state = Mutex(State(lifecycle: lifecycle))
    }

    /// Starts the first fetch in the background and keeps refreshing until `stop()`.
    public func start() {
        log.info("token.provider.starting", ["configuration": configuration.description])
        apply { state, now in state.lifecycle.start(now: now) }
    }

    /// A token valid now (outside the skew margin), or the result of the in-flight fetch.
    ///
    /// Never waits while a valid token exists. Without one: waits for the fetch in flight
    /// (at most `waitTimeoutMilliseconds`, then `token_wait_timeout`), or fails at once with
    /// the last fetch error while the provider is backing off from a down endpoint.
    /// Cancelling the calling task does not cut the wait short; the timeout bounds it.
    public func token() async throws(TokenError) -> BearerToken {
        let first = apply { state, now in state.lifecycle.requestToken(now: now) }
        if let token = first.served {
            return token
        }
        if let failure = first.failure {
            throw failure
        }
        let result = await withCheckedContinuation { continuation in
            park(continuation)
        }
        return try result.get()
    }

    /// Upstream answered 401 to the token with this fingerprint: drop it if still current
    /// and fetch a new one (joining the in-flight fetch, if any). Older fingerprints are ignored,
    /// and so is a token younger than `minimumRefreshIntervalSeconds` (see `TokenLifecycle`).
    public func invalidate(fingerprint: String) {
        var wasCurrent = false
        var dropped = false
        apply { state, now in
            wasCurrent = state.lifecycle.token?.fingerprint == fingerprint
            let actions = state.lifecycle.invalidate(fingerprint: fingerprint, now: now)
            dropped = wasCurrent && state.lifecycle.token == nil
            return actions
        }
        log.info(
            "token.invalidated",
            [
                "token.fingerprint": fingerprint,
                "token.was_current": "\(wasCurrent)",
                "token.dropped": "\(dropped)",
            ]
        )
    }

    /// Health snapshot: validity at this instant, time to expiry, failures and fetch count.
    public var status: TokenStatus {
        let now = timeSource.monotonicNanoseconds
        return state.withLock { state in
            let lifecycle = state.lifecycle
            let expiresIn = lifecycle.token.map { token in
                (Double(token.expiresAtNanoseconds) - Double(now)) / 1e9
            }
            return TokenStatus(
                hasValidToken: lifecycle.validToken(now: now) != nil,
                expiresInSeconds: expiresIn,
                lastError: lifecycle.lastError,
                consecutiveFailures: lifecycle.consecutiveFailures,
                fetchCount: lifecycle.fetchCount
            )
        }
    }

    /// Stops refreshing, fails parked callers with `token_provider_stopped`, drops the token.
    ///
    /// A fetch already in flight finishes but its result is discarded.
    public func stop() {
        apply { state, _ in state.lifecycle.stop() }
        log.info("token.provider.stopped")
    }
}
