import InfergateCore

/// A rate limit's public description for the `RateLimit-*` fields, computed once per configured spec.
///
/// We use the four fields of draft-ietf-httpapi-ratelimit-headers-06 (`RateLimit-Limit`, `-Remaining`,
/// `-Reset`, `-Policy`), its quota-policy item `<quota>;w=<window seconds>`, and our own `burst`
/// parameter carrying the bucket capacity. A rate that is not a whole number per second
/// is written over the smallest window that makes the quota whole: 2.5 r/s becomes `5;w=2`.
struct RateLimitPolicy: Sendable, Equatable {
    /// Requests allowed per window (`RateLimit-Limit`).
    let quota: Int
    /// Window in seconds.
    let windowSeconds: Int
    /// Bucket capacity in requests.
    let burst: Int

    /// Describes `bucket`, whose rate is held in milli-requests per second.
    init(bucket: TokenBucket) {
        let milli = Int(bucket.unitsPerNanosecond)
        let divisor = Self.greatestCommonDivisor(milli, 1000)
        quota = milli / divisor
        windowSeconds = 1000 / divisor
        burst = bucket.burst
    }

    /// The `RateLimit-Policy` value, such as `50;w=1;burst=100`; built on demand so that the
    /// admission path copies only integers.
    var text: String {
        "\(quota);w=\(windowSeconds);burst=\(burst)"
    }

    private static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 {
            (x, y) = (y, x % y)
        }
        return x
    }
}

/// The state of one bucket at a decision, kept as numbers so building a permit allocates nothing.
struct QuotaSnapshot: Sendable, Equatable {
    let policy: RateLimitPolicy
    /// Whole requests left after this decision.
    let remaining: Int
    /// Seconds until the bucket is full again (`RateLimit-Reset`); 0 when it already is.
    let resetSeconds: Int

    /// Reads `bucket` as last refilled; the caller refills it first.
    init(policy: RateLimitPolicy, bucket: TokenBucket) {
        self.policy = policy
        remaining = bucket.availableTokens
        let untilFull = bucket.nanosecondsUntilFull
        resetSeconds = untilFull == 0 ? 0 : TokenBucket.wholeSeconds(roundingUp: untilFull)
    }

    /// Appends `RateLimit-Limit`, `-Remaining`, `-Reset` and `-Policy` to `headers`.
    func addFields(to headers: inout HTTPHeaders) {
        headers.add(name: "RateLimit-Limit", value: String(policy.quota))
        headers.add(name: "RateLimit-Remaining", value: String(remaining))
        headers.add(name: "RateLimit-Reset", value: String(resetSeconds))
        headers.add(name: "RateLimit-Policy", value: policy.text)
    }
}
