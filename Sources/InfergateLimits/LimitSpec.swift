/// One set of limits as written in configuration: a token bucket, an in-flight cap and a wait budget.
///
/// Every field is optional so a spec can limit only what it names: no `requestsPerSecond` means no
/// bucket, no `maxInFlight` means no concurrency cap. `burst` defaults to one second of rate
/// (at least 1). Rates are kept to a thousandth of a request per second; see `TokenBucket`.
public struct LimitSpec: Sendable, Equatable {
    /// Sustained rate in requests per second; nil or non-positive means unlimited.
    public var requestsPerSecond: Double?
    /// Bucket capacity in requests; nil means `ceil(requestsPerSecond)`, at least 1.
    public var burst: Int?
    /// Concurrent requests allowed; nil means uncapped.
    public var maxInFlight: Int?
    /// How long `admit` may wait for a token or slot before refusing; 0 refuses at once.
    public var maxWaitMilliseconds: Int = 0

    /// Creates a spec; every limit defaults to absent.
    public init(
        requestsPerSecond: Double? = nil,
        burst: Int? = nil,
        maxInFlight: Int? = nil,
        maxWaitMilliseconds: Int = 0
    ) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.maxInFlight = maxInFlight
        self.maxWaitMilliseconds = maxWaitMilliseconds
    }

    /// The spec with nothing limited.
    public static let unlimited = LimitSpec()

    /// True when the spec has a rate (and therefore a bucket).
    var hasRate: Bool {
        (requestsPerSecond ?? 0) > 0
    }

    /// True when the spec caps concurrency.
    var hasInFlightCap: Bool {
        maxInFlight != nil
    }

    /// A full bucket for this spec at `now`, or nil when the spec has no rate.
    func makeBucket(now: UInt64) -> TokenBucket? {
        guard let rate = requestsPerSecond, rate > 0 else {
            return nil
        }
        return TokenBucket(requestsPerSecond: rate, burst: burst, now: now)
    }

    /// Checks the spec for values that cannot work; throws `invalid_limit`.
    public func validate(context: String) throws(AccessError) {
        if let rate = requestsPerSecond, !(rate.isFinite && rate >= 0) {
            throw AccessError(operation: "validate_limits", code: "invalid_limit", message: "\(context): bad rate")
        }
        if let burst, burst < 1 || burst > TokenBucket.maximumBurst {
            throw AccessError(operation: "validate_limits", code: "invalid_limit", message: "\(context): bad burst")
        }
        if let maxInFlight, maxInFlight < 0 {
            throw AccessError(
                operation: "validate_limits",
                code: "invalid_limit",
                message: "\(context): bad max_in_flight"
            )
        }
        if maxWaitMilliseconds < 0 || maxWaitMilliseconds > 60_000 {
            throw AccessError(
                operation: "validate_limits",
                code: "invalid_limit",
                message: "\(context): max_wait_ms must be 0...60000"
            )
        }
    }
}
