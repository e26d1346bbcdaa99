/// A token bucket as a pure value: rate, capacity, level and the instant the level was computed.
///
/// All arithmetic is integer. One token is `unitsPerToken` (10¹²) units and the bucket gains
/// `unitsPerNanosecond` units per elapsed nanosecond, which equals the rate in thousandths of a
/// request per second; so refilling over any split of an interval gives exactly the same level and
/// no rounding error accumulates. Time is passed in (`now`, monotonic nanoseconds) so tests drive
/// the bucket with an injected clock; a `now` earlier than the last one counts as no time passing.
public struct TokenBucket: Sendable, Equatable {
    /// Units in one token (one request).
    public static let unitsPerToken: UInt64 = 1_000_000_000_000
    /// Largest burst accepted; keeps `capacityUnits` far from `UInt64` overflow.
    public static let maximumBurst = 1_000_000
    /// Largest rate accepted, in requests per second.
    public static let maximumRequestsPerSecond = 1_000_000.0

    /// Capacity in units (`burst × unitsPerToken`).
    public let capacityUnits: UInt64
    /// Refill speed: units per nanosecond, i.e. the rate in milli-requests per second.
    public let unitsPerNanosecond: UInt64
    /// Current level in units, as of `updatedNanoseconds`.
    public private(set) var levelUnits: UInt64
    /// Monotonic instant at which `levelUnits` was last brought up to date.
    public private(set) var updatedNanoseconds: UInt64

    /// A full bucket; the rate is rounded to a thousandth of a request per second and clamped to
    /// 0.001...1,000,000 (NaN counts as the minimum), and `burst` defaults to the rate rounded up,
    /// at least 1, at most `maximumBurst`.
    public init(requestsPerSecond: Double, burst: Int?, now: UInt64) {
        let finiteRate = requestsPerSecond.isNaN ? 0.001 : requestsPerSecond
        let clampedRate = min(max(finiteRate, 0.001), Self.maximumRequestsPerSecond)
        let defaultBurst = Int(clampedRate.rounded(.up))
        let tokens = min(max(burst ?? defaultBurst, 1), Self.maximumBurst)
        capacityUnits = UInt64(tokens) * Self.unitsPerToken
        unitsPerNanosecond = max(1, UInt64((clampedRate * 1000).rounded()))
        levelUnits = capacityUnits
        updatedNanoseconds = now
    }

    /// Capacity in whole requests.
    public var burst: Int {
        Int(capacityUnits / Self.unitsPerToken)
    }

    /// Whole requests available at `updatedNanoseconds`.
    public var availableTokens: Int {
        Int(levelUnits / Self.unitsPerToken)
    }

    /// Brings the level up to `now`; never exceeds capacity and never overflows.
    public mutating func refill(now: UInt64) {
        guard now > updatedNanoseconds else {
            return
        }
        let elapsed = now - updatedNanoseconds
        updatedNanoseconds = now

        let deficit = capacityUnits - levelUnits
        guard deficit > 0 else {
            return
        }
        // Compare against the time to fill before multiplying, so the product cannot overflow.
        let nanosecondsToFill = (deficit + unitsPerNanosecond - 1) / unitsPerNanosecond
        if elapsed >= nanosecondsToFill {
            levelUnits = capacityUnits
        } else {
            levelUnits += elapsed * unitsPerNanosecond
        }
    }

    /// Refills to `now` and takes one token if there is one; returns whether it did.
    public mutating func tryConsume(now: UInt64) -> Bool {
        refill(now: now)
        guard levelUnits >= Self.unitsPerToken else {
            return false
        }
        levelUnits -= Self.unitsPerToken
        return true
    }

    /// Takes one token without refilling; the caller has checked `nanosecondsUntilAvailable == 0`.
    mutating func consumeChecked() {
        precondition(levelUnits >= Self.unitsPerToken, "consumeChecked on an empty bucket")
        levelUnits -= Self.unitsPerToken
    }

    /// Nanoseconds from `updatedNanoseconds` until one whole token is available; 0 if one is now.
    public var nanosecondsUntilAvailable: UInt64 {
        guard levelUnits < Self.unitsPerToken else {
            return 0
        }
        let missing = Self.unitsPerToken - levelUnits
        return (missing + unitsPerNanosecond - 1) / unitsPerNanosecond
    }

    /// Nanoseconds from `updatedNanoseconds` until the bucket is full again.
    public var nanosecondsUntilFull: UInt64 {
        let deficit = capacityUnits - levelUnits
        return (deficit + unitsPerNanosecond - 1) / unitsPerNanosecond
    }

    /// Lowers the level so the bucket is full no earlier than `fullAt`; used when a key returns
    /// after eviction so it cannot come back with more than it had.
    public mutating func drain(untilFullAt fullAt: UInt64) {
        guard fullAt > updatedNanoseconds else {
            return
        }
        let remaining = fullAt - updatedNanoseconds
        if remaining >= capacityUnits / unitsPerNanosecond {
            levelUnits = 0
        } else {
            levelUnits = min(levelUnits, capacityUnits - remaining * unitsPerNanosecond)
        }
    }

    /// Whole seconds for `Retry-After` and `RateLimit-Reset`: rounded up, at least `minimum`.
    public static func wholeSeconds(roundingUp nanoseconds: UInt64, minimum: Int = 1) -> Int {
        max(minimum, Int((nanoseconds + 999_999_999) / 1_000_000_000))
    }
}
