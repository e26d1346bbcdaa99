/// The per-route circuit breaker as a pure state machine driven by explicit timestamps.
///
/// Closed: requests go upstream; the breaker opens after `consecutiveFailures` failures in a
/// row, or when the failure ratio over the sliding window reaches `failureRatio` with at least
/// `minimumRequests` outcomes. Open: requests skip the upstream (and go to the fallback) until
/// `openMilliseconds` pass. Half-open: up to `halfOpenProbes` requests are let through; if they
/// all succeed the breaker closes, and any failure opens it again. No I/O happens here: the
/// caller holds the value under its own lock and acts on what `admit` returns.
public struct CircuitBreaker: Sendable, Equatable {
    /// The breaker's state, as shown on `/readyz` and in the `infergate_circuit_state` gauge.
    public enum State: String, Sendable, Equatable {
        case closed, open
        case halfOpen = "half-open"

        public var gaugeValue: Double {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }
    }

    /// Whether a request may try the upstream now.
    public enum Admission: Sendable, Equatable {
        case allow
        case probe
        case reject
    }

    public private(set) var state: State = .closed
    public let settings: CircuitBreakerSettings
    private var consecutiveFailures = 0
    private var openedAtNanoseconds: UInt64 = 0
    private var probesInFlight = 0
    private var probeSuccesses = 0
    /// Outcomes in the window, oldest first: (time, failed).
    private var window: [(UInt64, Bool)] = []
    private var windowFailures = 0

    public init(settings: CircuitBreakerSettings) {
        self.settings = settings
    }

    public static func == (lhs: CircuitBreaker, rhs: CircuitBreaker) -> Bool {
        lhs.state == rhs.state && lhs.consecutiveFailures == rhs.consecutiveFailures
            && lhs.probesInFlight == rhs.probesInFlight
    }

    /// Decides for one request at `now`; a `.probe` must later be reported with `record`.
    public mutating func admit(now: UInt64) -> Admission {
        switch state {
        case .closed:
            return .allow
        case .open:
            guard now >= openedAtNanoseconds + UInt64(settings.openMilliseconds) * 1_000_000 else {
                return .reject
            }
            state = .halfOpen
            probesInFlight = 0
            probeSuccesses = 0
            return admitProbe()
        case .halfOpen:
            return admitProbe()
        }
    }

    private mutating func admitProbe() -> Admission {
        guard probesInFlight + probeSuccesses < settings.halfOpenProbes else {
            return .reject
        }
        probesInFlight += 1
        return .probe
    }

    /// Records the outcome of an upstream attempt; returns the new state when it changed.
    @discardableResult
    public mutating func record(success: Bool, wasProbe: Bool, now: UInt64) -> State? {
        let before = state
        if wasProbe, state == .halfOpen {
            probesInFlight = max(0, probesInFlight - 1)
            if success {
                probeSuccesses += 1
                if probeSuccesses >= settings.halfOpenProbes {
                    close()
                }
            } else {
                open(now: now)
            }
            return state == before ? nil : state
        }
        guard state == .closed else {
            return nil
        }
        consecutiveFailures = success ? 0 : consecutiveFailures + 1
        slide(now: now)
        window.append((now, !success))
        windowFailures += success ? 0 : 1
        let ratio = Double(windowFailures) / Double(window.count)
        if consecutiveFailures >= settings.consecutiveFailures
            || (window.count >= settings.minimumRequests && ratio >= settings.failureRatio)
        {
            open(now: now)
        }
        return state == before ? nil : state
    }

    private mutating func slide(now: UInt64) {
        let horizon = UInt64(settings.windowMilliseconds) * 1_000_000
        var drop = 0
        while drop < window.count, now > horizon, window[drop].0 < now - horizon {
            windowFailures -= window[drop].1 ? 1 : 0
            drop += 1
        }
        if drop > 0 {
            window.removeFirst(drop)
        }
        // The window only needs enough outcomes to judge the ratio; bound it under heavy load.
        let cap = max(settings.minimumRequests * 4, 256)
        if window.count > cap {
            let excess = window.count - cap
            windowFailures -= window.prefix(excess).filter(\.1).count
            window.removeFirst(excess)
        }
    }

    private mutating func open(now: UInt64) {
        state = .open
        openedAtNanoseconds = now
        probesInFlight = 0
        probeSuccesses = 0
    }

    private mutating func close() {
        state = .closed
        consecutiveFailures = 0
        window.removeAll()
        windowFailures = 0
    }
}
