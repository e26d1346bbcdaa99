import Dispatch
import InfergateCore

extension TokenProvider {
    /// Feeds one event to the lifecycle under the lock, then runs the resulting side effects
    /// (resume waiters, arm the timer, launch a fetch) after releasing it.
    @discardableResult
    func apply(_ event: (inout State, UInt64) -> [TokenLifecycle.Action]) -> Effects {
        let now = timeSource.monotonicNanoseconds
        let effects = state.withLock { state in
            let actions = event(&state, now)
            return Self.collect(actions, in: &state)
        }
        run(effects, now: now)
        return effects
    }

    /// Registers a parked caller, unless the state changed and it can be answered at once.
    func park(_ continuation: CheckedContinuation<Result<BearerToken, TokenError>, Never>) {
        let now = timeSource.monotonicNanoseconds
        var waiterID: UInt64?
        let effects = state.withLock { state in
            let effects = Self.collect(state.lifecycle.requestToken(now: now), in: &state)
            if effects.mustWait {
                let id = state.nextWaiterID
                state.nextWaiterID += 1
                state.waiters[id] = continuation
                waiterID = id
            }
            return effects
        }
        run(effects, now: now)

        if let token = effects.served {
            continuation.resume(returning: .success(token))
        } else if let failure = effects.failure {
            continuation.resume(returning: .failure(failure))
        } else if let waiterID {
            armWaitTimeout(for: waiterID)
        }
    }

    /// Translates actions into effects; touches only the locked state.
    static func collect(_ actions: [TokenLifecycle.Action], in state: inout State) -> Effects {
        var effects = Effects()
        for action in actions {
            switch action {
            case .serve(let token):
                effects.served = token
            case .wait:
                effects.mustWait = true
            case .fail(let error):
                effects.failure = error
            case .startFetch(let kind):
                state.fetchID += 1
                effects.fetch = (kind, state.fetchID)
            case .resumeWaiters(let result):
                effects.resume.append(contentsOf: state.waiters.values)
                state.waiters.removeAll()
                effects.resumeWith = result
            case .scheduleWake(let at):
                state.timerGeneration += 1
                effects.wake = (at, state.timerGeneration)
            }
        }
        return effects
    }

    private func run(_ effects: Effects, now: UInt64) {
        if let result = effects.resumeWith {
            for continuation in effects.resume {
                continuation.resume(returning: result)
            }
        }
        if let wake = effects.wake {
            armWake(at: wake.atNanoseconds, generation: wake.generation, now: now)
        }
        if let fetch = effects.fetch {
            Task { await self.fetch(fetch.kind, id: fetch.id) }
            armFetchWatchdog(for: fetch.id)
        }
    }

    private func armWake(at deadline: UInt64, generation: UInt64, now: UInt64) {
        let delay = deadline > now ? deadline - now : 0
        let clamped = Int(min(delay, UInt64(Int.max)))
        timerQueue.asyncAfter(deadline: .now() + .nanoseconds(clamped)) { [weak self] in
            self?.wake(generation: generation)
        }
    }

    private func wake(generation: UInt64) {
        apply { state, now in
            // A newer schedule replaced this timer; only the latest one may act.
            guard state.timerGeneration == generation else {
                return []
            }
            return state.lifecycle.wake(now: now)
        }
    }

    /// Fails a fetch whose client has not returned within the fetch timeout plus a grace period
    /// (a fifth of the timeout, between 100 ms and 2 s).
    ///
    /// The client is asked to honour `fetchTimeoutMilliseconds`; this is the backstop that keeps
    /// one stuck transfer from leaving the provider "fetching" forever.
    private func armFetchWatchdog(for fetchID: UInt64) {
        let timeout = configuration.fetchTimeoutMilliseconds
        let milliseconds = timeout + min(2_000, max(100, timeout / 5))
        timerQueue.asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { [weak self] in
            self?.abandonFetch(fetchID)
        }
    }

    private func abandonFetch(_ fetchID: UInt64) {
        let jitter = Double.random(in: 0..<1)
        var abandoned = false
        apply { state, now in
            guard state.fetchID == fetchID, case .fetching = state.lifecycle.phase else {
                return []
            }
            abandoned = true
            return state.lifecycle.fetchFailed(.endpointUnreachable, now: now, jitter: jitter)
        }
        if abandoned {
            log.warning(
                "token.fetch.abandoned", ["token.fetch_timeout_ms": "\(configuration.fetchTimeoutMilliseconds)"])
        }
    }

    private func armWaitTimeout(for waiterID: UInt64) {
        let milliseconds = configuration.waitTimeoutMilliseconds
        timerQueue.asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { [weak self] in
            guard let self else {
                return
            }
            let continuation = self.state.withLock { $0.waiters.removeValue(forKey: waiterID) }
            guard let continuation else {
                return
            }
            // Debug, not warning: this is per request, and the gateway already logs the failed request.
            self.log.debug("token.wait.timed_out", ["wait.timeout_ms": "\(milliseconds)"])
            continuation.resume(returning: .failure(.waitTimeout))
        }
    }
}
