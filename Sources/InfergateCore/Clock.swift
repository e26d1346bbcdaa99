import Glibc

/// A source of time for code whose arithmetic must be testable with an injected clock.
///
/// `monotonicNanoseconds` only moves forward and measures intervals (rate buckets, token
/// expiry, timeouts); `wallMicroseconds` is UTC time since the Unix epoch for records.
public protocol TimeSource: Sendable {
    var monotonicNanoseconds: UInt64 { get }
    var wallMicroseconds: Int64 { get }
}

/// The real clocks: `CLOCK_MONOTONIC` and `CLOCK_REALTIME`.
public struct SystemTimeSource: TimeSource {
    public init() {}

    public var monotonicNanoseconds: UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    public var wallMicroseconds: Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }
}
