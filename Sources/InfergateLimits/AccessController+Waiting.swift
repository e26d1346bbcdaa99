/// The waiting admission path, for callers whose `max_wait_ms` is above zero.
extension AccessController {
    /// Admits one request, waiting up to the caller's `maxWaitMilliseconds` for a token or an
    /// in-flight slot. A bucket refusal whose wait exceeds the remaining budget is returned at once;
    /// in-flight caps are re-checked every 2 ms. Waiters are not queued, so under contention a
    /// later arrival may win a freed slot. Cancellation ends the wait with the last refusal.
    public func admit(caller: CallerIdentity, route: String) async -> Result<Permit, AccessRefusal> {
        let budgetMilliseconds = min(max(0, maxWaitMilliseconds(for: caller)), 60_000)
        let deadline = timeSource.monotonicNanoseconds + UInt64(budgetMilliseconds) * 1_000_000

        // Bounded twice over: by the deadline, and by a pass count (each pass but the last sleeps
        // at least 1 ms) so a clock that does not move, as in tests, cannot loop forever.
        var refusal = AccessRefusal.forbidden("caller_denied", "no admission attempted")
        for _ in 0..<(budgetMilliseconds + 2) {
            let retryIn: UInt64?
            switch decide(caller: caller, route: route) {
            case .admitted(let permit):
                return .success(permit)
            case .refused(let refused, let hint):
                refusal = refused
                retryIn = hint
            }

            let now = timeSource.monotonicNanoseconds
            guard let retryIn, now < deadline, !Task.isCancelled else {
                return .failure(refusal)
            }
            let isBucket = refusal.code == "rate_limited"
            if isBucket && retryIn > deadline - now {
                return .failure(refusal)
            }
            if refusal.code == "upstream_backoff" {
                return .failure(refusal)
            }
            do {
                try await Task.sleep(nanoseconds: max(1_000_000, min(retryIn, deadline - now)))
            } catch {
                return .failure(refusal)
            }
        }
        return .failure(refusal)
    }

    /// The wait budget of `caller`: its own rule's, or the unknown policy's.
    func maxWaitMilliseconds(for caller: CallerIdentity) -> Int {
        if caller.isKnown, let index = rules.callerIndex[caller.name] {
            return rules.callerLimits[index].spec.maxWaitMilliseconds
        }
        return rules.unknownLimits?.spec.maxWaitMilliseconds ?? 0
    }
}
