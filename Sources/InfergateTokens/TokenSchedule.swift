/// The arithmetic of the refresh plan: skew, refresh point, floor and retry backoff.
///
/// Pure functions over seconds from the configuration; results in monotonic nanoseconds.
/// docs/tokens.md explains the choices; the short version is in each function's comment.
struct TokenSchedule: Sendable, Equatable {
    var refreshFraction: Double
    var minimumRefreshIntervalSeconds: Double
    var clockSkewSeconds: Double
    var defaultLifetimeSeconds: Double
    var backoffInitialSeconds: Double
    var backoffMaximumSeconds: Double

    /// The schedule fields copied from a provider configuration.
    init(configuration: TokenProviderConfiguration) {
        refreshFraction = configuration.refreshFraction
        minimumRefreshIntervalSeconds = configuration.minimumRefreshIntervalSeconds
        clockSkewSeconds = configuration.clockSkewSeconds
        defaultLifetimeSeconds = configuration.defaultLifetimeSeconds
        backoffInitialSeconds = configuration.backoffInitialSeconds
        backoffMaximumSeconds = configuration.backoffMaximumSeconds
    }

    /// When a token fetched at `startedAtNanoseconds` expires, stops being served, and is refreshed.
    struct Times: Sendable, Equatable {
        var expiresAt: UInt64
        var usableUntil: UInt64
        var refreshAt: UInt64
    }

    /// The skew actually applied: the configured one, capped at a quarter of the lifetime.
    ///
    /// Without the cap a token shorter than the skew (Keycloak can issue 2 s tokens) would
    /// never be served at all; a quarter still keeps a clear margin before the real expiry.
    func effectiveSkewSeconds(lifetimeSeconds: Double) -> Double {
        min(clockSkewSeconds, lifetimeSeconds / 4)
    }

    /// The plan for one token: served until expiry minus skew, refreshed at
    /// `max(fraction × usable, floor)` but never later than 90% of the usable life.
    func times(startedAtNanoseconds start: UInt64, lifetimeSeconds: Double) -> Times {
        let usableSeconds = lifetimeSeconds - effectiveSkewSeconds(lifetimeSeconds: lifetimeSeconds)
        let proportional = refreshFraction * usableSeconds
        let refreshSeconds = min(max(proportional, minimumRefreshIntervalSeconds), 0.9 * usableSeconds)
        return Times(
            expiresAt: start + Self.nanoseconds(lifetimeSeconds),
            usableUntil: start + Self.nanoseconds(usableSeconds),
            refreshAt: start + Self.nanoseconds(refreshSeconds)
        )
    }

    /// Until when a refresh token is worth sending; nil when it has no known end.
    ///
    /// Keycloak reports `refresh_expires_in: 0` for offline tokens, which do not expire.
    func refreshTokenUsableUntil(startedAtNanoseconds start: UInt64, lifetimeSeconds: Double) -> UInt64? {
        guard lifetimeSeconds > 0 else {
            return nil
        }
        let usable = lifetimeSeconds - effectiveSkewSeconds(lifetimeSeconds: lifetimeSeconds)
        return start + Self.nanoseconds(usable)
    }

    /// The wait before retry number `failures` (1-based): initial × 2^(failures−1), capped at
    /// the maximum, then scaled into [50%, 100%) by `jitter` in [0, 1).
    ///
    /// Half of the delay is fixed so retries never bunch near zero; the other half spreads
    /// several gateway replicas that lost the endpoint at the same moment.
    func backoffNanoseconds(failures: Int, jitter: Double) -> UInt64 {
        let exponent = Double(min(max(failures - 1, 0), 62))
        let base = min(backoffInitialSeconds * pow2(exponent), backoffMaximumSeconds)
        let clampedJitter = min(max(jitter, 0), 1)
        return Self.nanoseconds(base * (0.5 + 0.5 * clampedJitter))
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) {
            value *= 2
            if value > 1e9 {
                break
            }
        }
        return value
    }

    /// Seconds to nanoseconds, clamped to zero and to a century so the sum cannot overflow.
    static func nanoseconds(_ seconds: Double) -> UInt64 {
        guard seconds > 0 else {
            return 0
        }
        return UInt64(min(seconds, 3_153_600_000) * 1_000_000_000)
    }
}
