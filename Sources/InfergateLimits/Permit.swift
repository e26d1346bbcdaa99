import InfergateCore

/// Proof that a request was admitted; hand it back to `AccessController.release` exactly once.
///
/// It records which in-flight counters it holds (as slot numbers in the controller's state, not
/// names) and the quota of the tightest bucket, so creating one allocates nothing; `headers` is
/// built only when the gateway asks for it.
public struct Permit: Sendable {
    let callerSlot: LevelSlot
    let callerRouteSlot: LevelSlot
    let routeSlot: LevelSlot
    let quota: QuotaSnapshot?

    /// `RateLimit-Limit`, `-Remaining`, `-Reset` and `-Policy` of the bucket with the fewest
    /// requests left after this one; empty when no bucket applied.
    public var headers: HTTPHeaders {
        var headers = HTTPHeaders()
        quota?.addFields(to: &headers)
        return headers
    }

    /// Requests left in the tightest bucket after this one, or nil when no bucket applied.
    public var remaining: Int? {
        quota?.remaining
    }
}

/// Where one level of limits lives in `LimiterState`: a known caller, a route, or a tracked key.
struct LevelSlot: Sendable, Equatable {
    /// Which array `index` points into.
    enum Kind: UInt8, Sendable {
        case none
        case knownCaller
        case route
        case tracked
    }

    var kind: Kind
    var index: Int32

    static let none = LevelSlot(kind: .none, index: -1)
}
