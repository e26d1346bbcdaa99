/// The admission decision: one pass over up to three levels (caller, caller×route, route) that
/// refuses without touching any bucket, or takes from all of them at once.
extension LimiterState {
    /// What `admit` decided; a refusal carries how long to wait before trying again is sensible
    /// (nil when waiting cannot help).
    enum Verdict: Sendable {
        case admitted(Permit)
        case refused(AccessRefusal, retryInNanoseconds: UInt64?)
    }

    /// The three levels a request is checked against, with their compiled limits.
    private struct Levels {
        var caller: (slot: LevelSlot, limits: CompiledLimits?) = (.none, nil)
        var callerRoute: (slot: LevelSlot, limits: CompiledLimits?) = (.none, nil)
        var route: (slot: LevelSlot, limits: CompiledLimits?) = (.none, nil)
    }

    /// How often a waiter re-checks an in-flight cap; slots free up on release, not on a clock.
    static let inFlightPollNanoseconds: UInt64 = 2_000_000

    /// Decides one request of `caller` on `routeName` at `now`, atomically across all its levels.
    mutating func admit(
        caller: CallerIdentity,
        route routeName: String,
        now: UInt64,
        rules: AccessRules
    ) -> Verdict {
        let knownIndex = caller.isKnown ? rules.callerIndex[caller.name] : nil
        guard let callerLimits = knownIndex.map({ rules.callerLimits[$0] }) ?? rules.unknownLimits else {
            let refusal = AccessRefusal.forbidden("caller_denied", "unknown callers are not allowed")
            return .refused(refusal, retryInNanoseconds: nil)
        }
        let routeIndex = rules.routeIndex[routeName]
        let route = routeIndex.map { rules.routes[$0] }

        if let allowed = route?.allowedCallers, !allowed.contains(caller.name) {
            let refusal = AccessRefusal.forbidden("route_not_allowed", "caller may not use route \(routeName)")
            return .refused(refusal, retryInNanoseconds: nil)
        }
        let paused = backoffRemaining(route: routeName, now: now)
        if paused > 0 {
            let refusal = AccessRefusal.tooManyRequests(
                "upstream_backoff",
                "pipeline of route \(routeName) asked to slow down",
                limitName: "upstream:\(routeName)",
                retryAfterSeconds: TokenBucket.wholeSeconds(roundingUp: paused)
            )
            return .refused(refusal, retryInNanoseconds: paused)
        }

        var levels = Levels()
        if let knownIndex {
            levels.caller = (LevelSlot(kind: .knownCaller, index: Int32(knownIndex)), callerLimits)
        } else if callerLimits.isActive {
            let key = KeyTable.Key(caller: caller.name, route: "")
            levels.caller = (trackedSlot(key, limits: callerLimits, now: now), callerLimits)
        }
        if let perCaller = route?.perCaller {
            let key = KeyTable.Key(caller: caller.name, route: routeName)
            levels.callerRoute = (trackedSlot(key, limits: perCaller, now: now), perCaller)
        }
        if let routeIndex, let routeLimits = route?.limits {
            levels.route = (LevelSlot(kind: .route, index: Int32(routeIndex)), routeLimits)
        }

        if let refusal = checkBuckets(levels, caller: caller.name, route: routeName, now: now) {
            return refusal
        }
        if let refusal = checkInFlight(levels, caller: caller.name, route: routeName) {
            return refusal
        }
        return .admitted(commit(levels))
    }

    /// Refills every bucket and refuses with the one that needs the longest wait, if any is empty.
    private mutating func checkBuckets(
        _ levels: Levels,
        caller: String,
        route: String,
        now: UInt64
    ) -> Verdict? {
        let waits = (
            refilledWait(levels.caller.slot, now: now),
            refilledWait(levels.callerRoute.slot, now: now),
            refilledWait(levels.route.slot, now: now)
        )
        let longest = max(waits.0, waits.1, waits.2)
        guard longest > 0 else {
            return nil
        }

        let (slot, limits, name) =
            if waits.0 == longest {
                (levels.caller.slot, levels.caller.limits, "caller:\(caller)")
            } else if waits.1 == longest {
                (levels.callerRoute.slot, levels.callerRoute.limits, "caller_route:\(caller)@\(route)")
            } else {
                (levels.route.slot, levels.route.limits, "route:\(route)")
            }
        let quota = withLevel(slot) { level -> QuotaSnapshot? in
            guard let bucket = level.bucket, let policy = limits?.policy else {
                return nil
            }
            return QuotaSnapshot(policy: policy, bucket: bucket)
        }
        let refusal = AccessRefusal.tooManyRequests(
            "rate_limited",
            "rate limit \(name) exceeded",
            limitName: name,
            retryAfterSeconds: TokenBucket.wholeSeconds(roundingUp: longest),
            quota: quota
        )
        return .refused(refusal, retryInNanoseconds: longest)
    }

    /// Refuses when any level is at its in-flight cap.
    private mutating func checkInFlight(_ levels: Levels, caller: String, route: String) -> Verdict? {
        let name: String
        if isAtCap(levels.caller) {
            name = "caller:\(caller)"
        } else if isAtCap(levels.callerRoute) {
            name = "caller_route:\(caller)@\(route)"
        } else if isAtCap(levels.route) {
            name = "route:\(route)"
        } else {
            return nil
        }
        let refusal = AccessRefusal.tooManyRequests(
            "in_flight_limit",
            "concurrency limit \(name) reached",
            limitName: name,
            retryAfterSeconds: 1
        )
        return .refused(refusal, retryInNanoseconds: Self.inFlightPollNanoseconds)
    }

    /// Takes a token from every bucket and an in-flight slot from every capped level.
    private mutating func commit(_ levels: Levels) -> Permit {
        let caller = take(levels.caller)
        let callerRoute = take(levels.callerRoute)
        let route = take(levels.route)

        let tightest = Self.tighter(Self.tighter(caller.quota, callerRoute.quota), route.quota)
        return Permit(
            callerSlot: caller.held,
            callerRouteSlot: callerRoute.held,
            routeSlot: route.held,
            quota: tightest
        )
    }

    /// The snapshot with fewer requests left; the first on a tie.
    private static func tighter(_ first: QuotaSnapshot?, _ second: QuotaSnapshot?) -> QuotaSnapshot? {
        guard let second, second.remaining < first?.remaining ?? Int.max else {
            return first
        }
        return second
    }

    private mutating func take(
        _ level: (slot: LevelSlot, limits: CompiledLimits?)
    ) -> (held: LevelSlot, quota: QuotaSnapshot?) {
        guard level.slot.kind != .none, let limits = level.limits else {
            return (.none, nil)
        }
        return withLevel(level.slot) { state in
            var quota: QuotaSnapshot?
            if var bucket = state.bucket {
                bucket.consumeChecked()
                state.bucket = bucket
                quota = limits.policy.map { QuotaSnapshot(policy: $0, bucket: bucket) }
            }
            guard limits.maxInFlight != nil else {
                return (.none, quota)
            }
            state.inFlight += 1
            return (level.slot, quota)
        }
    }

    private mutating func refilledWait(_ slot: LevelSlot, now: UInt64) -> UInt64 {
        guard slot.kind != .none else {
            return 0
        }
        return withLevel(slot) { level in
            guard var bucket = level.bucket else {
                return 0
            }
            bucket.refill(now: now)
            level.bucket = bucket
            return bucket.nanosecondsUntilAvailable
        }
    }

    private mutating func isAtCap(_ level: (slot: LevelSlot, limits: CompiledLimits?)) -> Bool {
        guard level.slot.kind != .none, let cap = level.limits?.maxInFlight else {
            return false
        }
        return withLevel(level.slot) { $0.inFlight >= cap }
    }
}
