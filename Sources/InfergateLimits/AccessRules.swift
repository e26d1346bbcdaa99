import InfergateCore

/// The configuration compiled for fast lookups: name → index maps, key digests as bytes, and
/// `RateLimit-Policy` text rendered once. Immutable after `AccessController.init`.
struct AccessRules: Sendable {
    let allowedSources: [CIDR]
    let callers: [CallerRule]
    let callerLimits: [CompiledLimits]
    let callerKeyDigests: [[UInt8]?]
    let callerIndex: [String: Int]
    /// Limits for unknown callers; nil when the policy is `deny`.
    let unknownLimits: CompiledLimits?
    let routes: [CompiledRoute]
    let routeIndex: [String: Int]

    /// Compiles `configuration`; duplicate caller or route names keep their first entry.
    init(_ configuration: AccessConfiguration) {
        allowedSources = configuration.allowedSources
        callers = configuration.callers
        callerLimits = configuration.callers.map { CompiledLimits($0.limits) }
        callerKeyDigests = configuration.callers.map { $0.keySHA256.flatMap(Self.bytes(fromHex:)) }
        var callerIndex: [String: Int] = [:]
        for (index, caller) in configuration.callers.enumerated() where callerIndex[caller.name] == nil {
            callerIndex[caller.name] = index
        }
        self.callerIndex = callerIndex

        if case .allow(let limits) = configuration.unknownCallers {
            unknownLimits = CompiledLimits(limits)
        } else {
            unknownLimits = nil
        }

        routes = configuration.routes.map(CompiledRoute.init)
        var routeIndex: [String: Int] = [:]
        for (index, route) in configuration.routes.enumerated() where routeIndex[route.name] == nil {
            routeIndex[route.name] = index
        }
        self.routeIndex = routeIndex
    }

    /// Decodes 64 hex digits into 32 bytes; nil for anything else (validation reports it).
    static func bytes(fromHex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else {
            return nil
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for pair in stride(from: 0, to: 64, by: 2) {
            guard let high = nibble(digits[pair]), let low = nibble(digits[pair + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x41...0x46: digit - 0x41 + 10
        case 0x61...0x66: digit - 0x61 + 10
        default: nil
        }
    }
}

/// One `LimitSpec` with what admission needs precomputed.
struct CompiledLimits: Sendable {
    let spec: LimitSpec
    /// Public description of the bucket; nil when the spec has no rate.
    let policy: RateLimitPolicy?
    /// The in-flight cap, or nil when uncapped.
    let maxInFlight: Int32?

    /// Compiles `spec`; a negative `maxInFlight` is treated as 0 (admit nothing).
    init(_ spec: LimitSpec) {
        self.spec = spec
        policy = spec.makeBucket(now: 0).map(RateLimitPolicy.init(bucket:))
        maxInFlight = spec.maxInFlight.map { Int32(clamping: max(0, $0)) }
    }

    /// True when there is anything to track for this level.
    var isActive: Bool {
        policy != nil || maxInFlight != nil
    }

    /// Fresh state for this level: a full bucket at `now` and nothing in flight.
    func makeLevel(now: UInt64) -> LevelState {
        LevelState(bucket: spec.makeBucket(now: now))
    }
}

/// One `RouteAccess`, compiled.
struct CompiledRoute: Sendable {
    let name: String
    let limits: CompiledLimits?
    let perCaller: CompiledLimits?
    let allowedCallers: Set<String>?

    /// Compiles `route`; limit specs that limit nothing are dropped so admission skips them.
    init(_ route: RouteAccess) {
        name = route.name
        limits = route.limits.map(CompiledLimits.init).flatMap { $0.isActive ? $0 : nil }
        perCaller = route.perCaller.map(CompiledLimits.init).flatMap { $0.isActive ? $0 : nil }
        allowedCallers = route.allowedCallers.map(Set.init)
    }
}
