/// Everything `AccessController` enforces, as parsed from the gateway configuration.
///
/// An empty `allowedSources` allows every peer: the listen address is then the only fence, which
/// the gateway configuration should make loopback by default. `maxTrackedKeys` bounds the buckets
/// kept for dynamic keys (unknown callers and caller×route pairs); known callers and routes are
/// always kept and do not count against it.
public struct AccessConfiguration: Sendable {
    /// Peer networks allowed to connect at all.
    public var allowedSources: [CIDR]
    /// Known callers, tried in order.
    public var callers: [CallerRule]
    /// Policy for requests that match no caller.
    public var unknownCallers: UnknownCallerPolicy
    /// Per-route rules; a route not listed here has no route limits and admits every caller.
    public var routes: [RouteAccess]
    /// Upper bound on dynamic keys held in memory; values under 16 are raised to 16.
    public var maxTrackedKeys: Int = 100_000

    /// Creates a configuration.
    public init(
        allowedSources: [CIDR] = [],
        callers: [CallerRule] = [],
        unknownCallers: UnknownCallerPolicy = .allow(.unlimited),
        routes: [RouteAccess] = [],
        maxTrackedKeys: Int = 100_000
    ) {
        self.allowedSources = allowedSources
        self.callers = callers
        self.unknownCallers = unknownCallers
        self.routes = routes
        self.maxTrackedKeys = maxTrackedKeys
    }

    /// Checks every limit and name for values that cannot work; throws the first problem found.
    public func validate() throws(AccessError) {
        var names = Set<String>()
        for caller in callers {
            guard !caller.name.isEmpty, !caller.name.hasPrefix("ip:"), names.insert(caller.name).inserted else {
                throw AccessError(
                    operation: "validate_callers",
                    code: "invalid_caller",
                    message: "caller names must be unique, non-empty and not start with ip:"
                )
            }
            if let key = caller.keySHA256, key.utf8.count != 64 || !key.utf8.allSatisfy(Self.isHexDigit) {
                throw AccessError(
                    operation: "validate_callers",
                    code: "invalid_key_hash",
                    message: "key_sha256 of \(caller.name) is not 64 hex digits"
                )
            }
            try caller.limits.validate(context: "caller \(caller.name)")
        }
        if case .allow(let limits) = unknownCallers {
            try limits.validate(context: "unknown_callers")
        }
        for route in routes {
            try route.limits?.validate(context: "route \(route.name)")
            try route.perCaller?.validate(context: "route \(route.name) per_caller")
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66)
    }
}
