/// All mutable limit state of one `AccessController`, guarded by its mutex.
///
/// Known callers and routes have fixed slots (indices into `AccessRules`); unknown callers and
/// caller×route pairs live in the bounded `KeyTable`. Upstream back-off deadlines are kept by
/// route name. Nothing here reads a clock: every operation takes `now` in monotonic nanoseconds.
struct LimiterState: Sendable {
    var callers: [LevelState]
    var routes: [LevelState]
    var table: KeyTable
    var sketch = DebtSketch()
    /// Monotonic instant until which each route is paused by an upstream `Retry-After`.
    var backoffUntil: [String: UInt64] = [:]

    /// Longest upstream pause honoured, so a bogus `Retry-After` cannot close a route for days.
    static let maximumBackoffSeconds = 3600

    /// Full buckets for every known caller and route as of `now`, and an empty key table.
    init(rules: AccessRules, maxTrackedKeys: Int, now: UInt64) {
        callers = rules.callerLimits.map { $0.makeLevel(now: now) }
        routes = rules.routes.map { $0.limits?.makeLevel(now: now) ?? LevelState() }
        table = KeyTable(capacity: maxTrackedKeys)
    }

    /// Runs `body` on the state of `slot`; a `.none` slot gets a scratch state that is thrown away.
    mutating func withLevel<Result>(_ slot: LevelSlot, _ body: (inout LevelState) -> Result) -> Result {
        switch slot.kind {
        case .knownCaller:
            return body(&callers[Int(slot.index)])
        case .route:
            return body(&routes[Int(slot.index)])
        case .tracked:
            return table.withLevel(at: slot.index, body)
        case .none:
            var scratch = LevelState()
            return body(&scratch)
        }
    }

    /// The slot of a dynamic key, created (with any remembered debt) when not tracked yet.
    mutating func trackedSlot(_ key: KeyTable.Key, limits: CompiledLimits, now: UInt64) -> LevelSlot {
        if let slot = table.touch(key) {
            return LevelSlot(kind: .tracked, index: slot)
        }
        var level = limits.makeLevel(now: now)
        if var bucket = level.bucket {
            let fullAt = sketch.fullAt(hash: key.hashValue)
            if fullAt > now {
                bucket.drain(untilFullAt: fullAt)
                level.bucket = bucket
            }
        }
        let slot = table.insert(key, level: level, sketch: &sketch)
        return LevelSlot(kind: .tracked, index: slot)
    }

    /// Gives back the in-flight slots a permit holds.
    mutating func release(_ permit: Permit) {
        // Three explicit calls rather than a loop over an array literal, which would allocate.
        releaseOne(permit.callerSlot)
        releaseOne(permit.callerRouteSlot)
        releaseOne(permit.routeSlot)
    }

    private mutating func releaseOne(_ slot: LevelSlot) {
        guard slot.kind != .none else {
            return
        }
        withLevel(slot) { level in
            level.inFlight = max(0, level.inFlight - 1)
        }
    }

    /// Pauses `route` until `now + seconds` (clamped to 1...3600), keeping any later pause;
    /// returns true when the route was not paused before (a new pause, worth one log line).
    @discardableResult
    mutating func noteBackoff(route: String, seconds: Int, now: UInt64) -> Bool {
        let clamped = UInt64(min(max(seconds, 1), Self.maximumBackoffSeconds))
        let until = now + clamped * 1_000_000_000
        let wasPaused = backoffRemaining(route: route, now: now) > 0
        backoffUntil = backoffUntil.filter { $0.value > now }
        backoffUntil[route] = max(backoffUntil[route] ?? 0, until)
        return !wasPaused
    }

    /// Nanoseconds left on `route`'s upstream pause, or 0 when it is not paused.
    func backoffRemaining(route: String, now: UInt64) -> UInt64 {
        guard !backoffUntil.isEmpty, let until = backoffUntil[route], until > now else {
            return 0
        }
        return until - now
    }
}
