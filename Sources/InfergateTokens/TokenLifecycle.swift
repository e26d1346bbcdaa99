/// The token cache's decisions as a value: events with timestamps in, actions out.
///
/// It does no I/O and reads no clock, so tests drive it with made-up times. `TokenProvider`
/// owns one inside its mutex and carries out the actions (start a fetch, arm a timer, wake
/// waiters). Times are monotonic nanoseconds from the provider's `TimeSource`.
struct TokenLifecycle: Sendable {
    /// Which request the next fetch sends.
    enum FetchKind: Sendable, Equatable {
        case fullGrant
        case refresh(refreshToken: String)
    }

    /// What the provider must do next, in order.
    enum Action: Sendable, Equatable {
        /// Hand this token to the caller that asked.
        case serve(BearerToken)
        /// Park the caller until the in-flight fetch ends (bounded by the wait timeout).
        case wait
        /// Fail the caller now: no valid token and no fetch in flight.
        case fail(TokenError)
        /// Send one token request; the lifecycle guarantees at most one in flight.
        case startFetch(FetchKind)
        /// Resume every parked caller with this result.
        case resumeWaiters(Result<BearerToken, TokenError>)
        /// Deliver `wake(now:)` at this time; replaces any earlier timer.
        case scheduleWake(atNanoseconds: UInt64)
    }

    /// A successful token response, already validated.
    struct Grant: Sendable, Equatable {
        var accessToken: String
        var expiresInSeconds: Double?
        var refreshToken: String?
        var refreshExpiresInSeconds: Double?
    }

    /// Whether a fetch is running, waiting out a backoff, or neither.
    enum Phase: Sendable, Equatable {
        case idle
        case fetching(startedAtNanoseconds: UInt64, kind: FetchKind)
        case backingOff(untilNanoseconds: UInt64)
        case stopped
    }

    let schedule: TokenSchedule
    private(set) var phase: Phase = .idle
    private(set) var token: BearerToken?
    private(set) var usableUntilNanoseconds: UInt64 = 0
    private(set) var tokenRequestedAtNanoseconds: UInt64 = 0
    /// When a 401 last purged the token; nil until the first one.
    private(set) var lastInvalidationNanoseconds: UInt64?
    private(set) var refreshAtNanoseconds: UInt64 = 0
    private(set) var refreshToken: String?
    private(set) var refreshTokenUsableUntilNanoseconds: UInt64?
    private(set) var lastError: TokenError?
    private(set) var consecutiveFailures = 0
    private(set) var fetchCount = 0

    /// An idle lifecycle with no token; `start(now:)` or `requestToken(now:)` begins the first fetch.
    init(schedule: TokenSchedule) {
        self.schedule = schedule
    }

    /// The cached token if it is still outside the skew margin at `now`.
    func validToken(now: UInt64) -> BearerToken? {
        guard let token, now < usableUntilNanoseconds else {
            return nil
        }
        return token
    }

    /// Provider start-up: fetch the first token without waiting for a caller.
    mutating func start(now: UInt64) -> [Action] {
        guard phase == .idle, validToken(now: now) == nil else {
            return []
        }
        return [beginFetch(now: now)]
    }

    /// A caller wants a token: serve, park on the in-flight fetch, or fail fast.
    mutating func requestToken(now: UInt64) -> [Action] {
        if phase == .stopped {
            return [.fail(.providerStopped)]
        }
        if let token = validToken(now: now) {
            // A missed timer (suspended process) must not leave the token unrefreshed.
            if phase == .idle, now >= refreshAtNanoseconds {
                return [.serve(token), beginFetch(now: now)]
            }
            return [.serve(token)]
        }
        switch phase {
        case .fetching:
            return [.wait]
        case .backingOff:
            // The endpoint is known down; making every request sit out the timeout helps nobody.
            return [.fail(lastError ?? .endpointUnreachable)]
        case .idle:
            return [beginFetch(now: now), .wait]
        case .stopped:
            return [.fail(.providerStopped)]
        }
    }

    /// The in-flight fetch returned a token.
    mutating func fetchSucceeded(_ grant: Grant, now: UInt64) -> [Action] {
        guard case .fetching(let startedAt, _) = phase else {
            return []
        }
        let lifetimeSeconds = grant.expiresInSeconds ?? schedule.defaultLifetimeSeconds
        let times = schedule.times(startedAtNanoseconds: startedAt, lifetimeSeconds: lifetimeSeconds)
        let token = BearerToken(value: grant.accessToken, expiresAtNanoseconds: times.expiresAt)
        self.token = token
        usableUntilNanoseconds = times.usableUntil
        tokenRequestedAtNanoseconds = startedAt
        refreshAtNanoseconds = times.refreshAt
        if let newRefreshToken = grant.refreshToken {
            refreshToken = newRefreshToken
            refreshTokenUsableUntilNanoseconds = grant.refreshExpiresInSeconds.flatMap {
                schedule.refreshTokenUsableUntil(startedAtNanoseconds: startedAt, lifetimeSeconds: $0)
            }
        }
        lastError = nil
        consecutiveFailures = 0
        phase = .idle
        return [.resumeWaiters(.success(token)), .scheduleWake(atNanoseconds: times.refreshAt)]
    }

    /// The in-flight fetch failed; `jitter` in [0, 1) spreads the retry (see `TokenSchedule`).
    mutating func fetchFailed(_ error: TokenError, now: UInt64, jitter: Double) -> [Action] {
        guard case .fetching(_, let kind) = phase else {
            return []
        }
        if case .refresh = kind, error == .endpointRejected {
            // RFC 6749 §5.2 invalid_grant: the refresh token is dead, the credentials may not be.
            refreshToken = nil
            refreshTokenUsableUntilNanoseconds = nil
            return [beginFetch(now: now)]
        }
        lastError = error
        consecutiveFailures += 1
        let retryAt = now + schedule.backoffNanoseconds(failures: consecutiveFailures, jitter: jitter)
        phase = .backingOff(untilNanoseconds: retryAt)
        var actions: [Action] = []
        if let token = validToken(now: now) {
            actions.append(.resumeWaiters(.success(token)))
        } else {
            actions.append(.resumeWaiters(.failure(error)))
        }
        actions.append(.scheduleWake(atNanoseconds: retryAt))
        return actions
    }

    /// A timer fired: start the due refresh or retry, or re-arm if the timer came early.
    mutating func wake(now: UInt64) -> [Action] {
        switch phase {
        case .backingOff(let until):
            guard now >= until else {
                return [.scheduleWake(atNanoseconds: until)]
            }
            return [beginFetch(now: now)]
        case .idle:
            guard token != nil else {
                return []
            }
            guard now >= refreshAtNanoseconds else {
                return [.scheduleWake(atNanoseconds: refreshAtNanoseconds)]
            }
            return [beginFetch(now: now)]
        case .fetching, .stopped:
            return []
        }
    }

    /// Upstream rejected the token with this fingerprint: drop it if it is still current.
    ///
    /// Fetches at once when idle; during a backoff the retry timer stands, so a down
    /// endpoint is not hammered by every 401. The first rejection always purges (a revoked
    /// token must not be attached again); later ones within the refresh floor of the last purge
    /// are ignored: when the upstream rejects every fresh token (a wrong audience, say), a new
    /// one would not help, and this bounds the cost to one fetch per floor instead of one per 401.
    mutating func invalidate(fingerprint: String, now: UInt64) -> [Action] {
        guard let token, token.fingerprint == fingerprint else {
            return []
        }
        let floor = TokenSchedule.nanoseconds(schedule.minimumRefreshIntervalSeconds)
        // Short tokens reach their (capped) refresh point before the floor; that bounds it too.
        if let lastPurge = lastInvalidationNanoseconds,
            now < min(lastPurge + floor, max(refreshAtNanoseconds, lastPurge))
        {
            return []
        }
        lastInvalidationNanoseconds = now
        self.token = nil
        usableUntilNanoseconds = 0
        guard phase == .idle else {
            return []
        }
        return [beginFetch(now: now)]
    }

    /// Shut down: fail parked callers and ignore whatever arrives later.
    mutating func stop() -> [Action] {
        phase = .stopped
        token = nil
        refreshToken = nil
        return [.resumeWaiters(.failure(.providerStopped))]
    }

    private mutating func beginFetch(now: UInt64) -> Action {
        let kind: FetchKind
        if let refreshToken, refreshTokenUsableUntilNanoseconds.map({ now < $0 }) ?? true {
            kind = .refresh(refreshToken: refreshToken)
        } else {
            refreshToken = nil
            refreshTokenUsableUntilNanoseconds = nil
            kind = .fullGrant
        }
        phase = .fetching(startedAtNanoseconds: now, kind: kind)
        fetchCount += 1
        return .startFetch(kind)
    }
}
