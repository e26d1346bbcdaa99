import Testing

@testable import InfergateTokens

/// Seconds on the lifecycle's clock, in nanoseconds.
private func at(_ seconds: Double) -> UInt64 {
    UInt64(seconds * 1e9)
}

private func lifecycle(
    configure: (inout TokenProviderConfiguration) -> Void = { _ in }
) -> TokenLifecycle {
    var configuration = TokenProviderConfiguration(
        name: "t",
        tokenURL: "http://127.0.0.1/token",
        clientID: "c",
        clientSecret: nil
    )
    configure(&configuration)
    return TokenLifecycle(schedule: TokenSchedule(configuration: configuration))
}

private func grant(_ token: String, expiresIn: Double?, refresh: String? = nil, refreshIn: Double? = nil)
    -> TokenLifecycle.Grant
{
    TokenLifecycle.Grant(
        accessToken: token,
        expiresInSeconds: expiresIn,
        refreshToken: refresh,
        refreshExpiresInSeconds: refreshIn
    )
}

private func servedToken(_ actions: [TokenLifecycle.Action]) -> BearerToken? {
    for case .serve(let token) in actions {
        return token
    }
    return nil
}

private func wakeTime(_ actions: [TokenLifecycle.Action]) -> UInt64? {
    for case .scheduleWake(let time) in actions {
        return time
    }
    return nil
}

/// Answers the fetch in flight, if any, with "unreachable"; a failure never resumes with a stale token.
private func failFetchInFlight(_ machine: inout TokenLifecycle, now: UInt64) {
    guard case .fetching = machine.phase else {
        return
    }
    for case .resumeWaiters(.success(let token)) in machine.fetchFailed(.endpointUnreachable, now: now, jitter: 0.5) {
        #expect(now < token.expiresAtNanoseconds - at(10))
    }
}

@Suite struct TokenLifecycleTests {
    @Test func hourTokenIsRefreshedAtThreeQuartersOfItsUsableLife() {
        var machine = lifecycle()
        #expect(machine.start(now: at(0)) == [.startFetch(.fullGrant)])
        #expect(machine.requestToken(now: at(0.05)) == [.wait])

        let actions = machine.fetchSucceeded(grant("A", expiresIn: 3600), now: at(0.1))
        // Usable life 3600 - 10 s skew = 3590 s; 75% of it is 2692.5 s after the request went out.
        #expect(wakeTime(actions) == at(2692.5))
        #expect(servedToken(machine.requestToken(now: at(2692))) != nil)
        #expect(machine.wake(now: at(2692.5)) == [.startFetch(.fullGrant)])

        // The refresh is in flight but the old token is still good: callers never wait.
        let during = machine.requestToken(now: at(2693))
        #expect(servedToken(during)?.value == "A")
        #expect(!during.contains(.wait))
        #expect(machine.fetchCount == 2)
    }

    @Test func sixtySecondTokenIsNotHammered() {
        var machine = lifecycle()
        var now = at(0)
        _ = machine.start(now: now)
        var refreshTimes: [UInt64] = []
        // Ten simulated minutes, each refresh answered at once.
        for index in 0..<40 {
            let actions = machine.fetchSucceeded(grant("T\(index)", expiresIn: 60), now: now)
            guard let wake = wakeTime(actions), wake <= at(600) else {
                break
            }
            now = wake
            refreshTimes.append(wake)
            #expect(machine.wake(now: now) == [.startFetch(.fullGrant)])
        }
        // 75% of 50 usable seconds: one fetch per 37.5 s, 16 in ten minutes.
        #expect(refreshTimes.count == 16)
        #expect(zip(refreshTimes, refreshTimes.dropFirst()).allSatisfy { $1 - $0 == at(37.5) })
    }

    @Test func floorHoldsBackRefreshesOfShortTokens() {
        var machine = lifecycle {
            $0.refreshFraction = 0.1
            $0.minimumRefreshIntervalSeconds = 30
        }
        _ = machine.start(now: at(0))
        let actions = machine.fetchSucceeded(grant("A", expiresIn: 60), now: at(1))
        #expect(wakeTime(actions) == at(30))
    }

    @Test func twoSecondTokenIsServedAndRefreshedBeforeItDies() {
        var machine = lifecycle()
        _ = machine.start(now: at(0))
        let actions = machine.fetchSucceeded(grant("A", expiresIn: 2), now: at(0))
        // Skew capped at 0.5 s; the 10 s floor is capped at 90% of the 1.5 s usable life.
        #expect(wakeTime(actions) == at(1.35))
        #expect(machine.requestToken(now: at(1.2)).count == 1)
        #expect(machine.wake(now: at(1.35)) == [.startFetch(.fullGrant)])
        #expect(servedToken(machine.requestToken(now: at(1.49)))?.value == "A")
        // Past expiry minus skew the old token is gone even though its refresh is still running.
        #expect(machine.requestToken(now: at(1.5)) == [.wait])
    }

    @Test func backoffDoublesToTheMaximumWithinJitterBounds() {
        let schedule = TokenSchedule(
            configuration: TokenProviderConfiguration(name: "t", tokenURL: "u", clientID: "c", clientSecret: nil)
        )
        let expected: [Double] = [1, 2, 4, 8, 16, 30, 30, 30, 30]
        for (index, base) in expected.enumerated() {
            let low = schedule.backoffNanoseconds(failures: index + 1, jitter: 0)
            let high = schedule.backoffNanoseconds(failures: index + 1, jitter: 0.999_999)
            #expect(low == at(base / 2))
            #expect(high < at(base) && high > at(base * 0.99))
        }
        #expect(schedule.backoffNanoseconds(failures: 1_000, jitter: 0.5) == at(22.5))
    }

    @Test func expiredTokenIsNeverServedWhileTheEndpointIsDown() {
        var machine = lifecycle()
        _ = machine.start(now: at(0))
        _ = machine.fetchSucceeded(grant("A", expiresIn: 60), now: at(0))
        var servedAfterUsableEnd = 0
        var failedFast = 0
        var step = 0.0
        // Every fetch from the first refresh on fails; ask for a token every 250 ms for 2 minutes.
        while step < 120 {
            let now = at(step)
            _ = machine.wake(now: now)
            failFetchInFlight(&machine, now: now)
            let request = machine.requestToken(now: now)
            failFetchInFlight(&machine, now: now)
            if let token = servedToken(request) {
                #expect(now < token.expiresAtNanoseconds - at(10))
                servedAfterUsableEnd += now >= at(50) ? 1 : 0
            }
            if request.contains(.fail(.endpointUnreachable)) {
                failedFast += 1
            }
            step += 0.25
        }
        #expect(servedAfterUsableEnd == 0)
        #expect(failedFast > 200)
        #expect(machine.consecutiveFailures > 3)
        #expect(machine.lastError == .endpointUnreachable)
    }

    @Test func failureWithoutTokenFailsWaitersThenRecoveryServesAgain() {
        var machine = lifecycle()
        _ = machine.start(now: at(0))
        let failed = machine.fetchFailed(.responseInvalid, now: at(1), jitter: 0)
        #expect(failed == [.resumeWaiters(.failure(.responseInvalid)), .scheduleWake(atNanoseconds: at(1.5))])
        #expect(machine.requestToken(now: at(1.2)) == [.fail(.responseInvalid)])
        #expect(machine.wake(now: at(1.4)) == [.scheduleWake(atNanoseconds: at(1.5))])
        #expect(machine.wake(now: at(1.5)) == [.startFetch(.fullGrant)])
        #expect(machine.requestToken(now: at(1.6)) == [.wait])

        let recovered = machine.fetchSucceeded(grant("B", expiresIn: 3600), now: at(1.7))
        let token = BearerToken(value: "B", expiresAtNanoseconds: at(3601.5))
        #expect(recovered.first == .resumeWaiters(.success(token)))
        #expect(servedToken(machine.requestToken(now: at(2))) == token)
        #expect(machine.consecutiveFailures == 0)
        #expect(machine.lastError == nil)
    }

    @Test func invalidatePurgesOnlyTheCurrentTokenAndFetchesOnce() {
        var machine = lifecycle()
        _ = machine.start(now: at(0))
        _ = machine.fetchSucceeded(grant("A", expiresIn: 3600), now: at(0))
        let old = BearerToken(value: "old", expiresAtNanoseconds: 0).fingerprint
        #expect(machine.invalidate(fingerprint: old, now: at(1)).isEmpty)

        let current = BearerToken(value: "A", expiresAtNanoseconds: 0).fingerprint
        #expect(machine.invalidate(fingerprint: current, now: at(20)) == [.startFetch(.fullGrant)])
        #expect(machine.invalidate(fingerprint: current, now: at(20)).isEmpty)
        #expect(machine.requestToken(now: at(20)) == [.wait])
        #expect(machine.fetchCount == 2)
    }

    @Test func firstRejectionPurgesThenTheFloorBoundsFurtherFetches() {
        var machine = lifecycle()
        _ = machine.start(now: at(0))
        _ = machine.fetchSucceeded(grant("A", expiresIn: 3600), now: at(0.2))
        let first = BearerToken(value: "A", expiresAtNanoseconds: 0).fingerprint
        // A revoked token is dropped at once, however young.
        #expect(machine.invalidate(fingerprint: first, now: at(0.5)) == [.startFetch(.fullGrant)])
        _ = machine.fetchSucceeded(grant("B", expiresIn: 3600), now: at(0.6))
        let second = BearerToken(value: "B", expiresAtNanoseconds: 0).fingerprint
        // An upstream that 401s every fresh token costs one fetch per 10 s floor, not one per request.
        #expect(machine.invalidate(fingerprint: second, now: at(9.9)).isEmpty)
        #expect(servedToken(machine.requestToken(now: at(9.9)))?.value == "B")
        #expect(machine.invalidate(fingerprint: second, now: at(10.5)) == [.startFetch(.fullGrant)])
        #expect(machine.fetchCount == 3)
    }

    @Test func shortTokenFloorEndsAtItsRefreshPoint() {
        var machine = lifecycle()
        _ = machine.start(now: at(0))
        _ = machine.fetchSucceeded(grant("A", expiresIn: 2), now: at(0))
        let first = BearerToken(value: "A", expiresAtNanoseconds: 0).fingerprint
        #expect(machine.invalidate(fingerprint: first, now: at(0.1)) == [.startFetch(.fullGrant)])
        _ = machine.fetchSucceeded(grant("B", expiresIn: 2), now: at(0.2))
        let second = BearerToken(value: "B", expiresAtNanoseconds: 0).fingerprint
        #expect(machine.invalidate(fingerprint: second, now: at(0.5)).isEmpty)
        #expect(machine.invalidate(fingerprint: second, now: at(1.6)) == [.startFetch(.fullGrant)])
    }

    @Test func invalidateDuringBackoffWaitsForTheRetryTimer() {
        var machine = lifecycle()
        _ = machine.start(now: at(0))
        _ = machine.fetchSucceeded(grant("A", expiresIn: 60), now: at(0))
        _ = machine.wake(now: at(37.5))
        _ = machine.fetchFailed(.endpointUnreachable, now: at(38), jitter: 0)
        let current = BearerToken(value: "A", expiresAtNanoseconds: 0).fingerprint
        #expect(machine.invalidate(fingerprint: current, now: at(38.1)).isEmpty)
        #expect(machine.requestToken(now: at(38.2)) == [.fail(.endpointUnreachable)])
    }

    @Test func refreshTokenIsUsedThenFallsBackToTheFullGrant() {
        var machine = lifecycle()
        _ = machine.start(now: at(0))
        _ = machine.fetchSucceeded(grant("A", expiresIn: 60, refresh: "R1", refreshIn: 1800), now: at(0))
        #expect(machine.wake(now: at(37.5)) == [.startFetch(.refresh(refreshToken: "R1"))])

        // invalid_grant on the refresh: the full grant goes out at once, no backoff, no failure count.
        #expect(machine.fetchFailed(.endpointRejected, now: at(38), jitter: 0) == [.startFetch(.fullGrant)])
        #expect(machine.consecutiveFailures == 0)
        _ = machine.fetchSucceeded(grant("B", expiresIn: 60, refresh: "R2", refreshIn: 40), now: at(38))

        // R2 is usable for 30 s (40 − skew 10); the next refresh at 75.5 s is past that.
        #expect(machine.wake(now: at(75.5)) == [.startFetch(.fullGrant)])
        #expect(machine.refreshToken == nil)
    }

    @Test func rejectedFullGrantBacksOff() {
        var machine = lifecycle()
        _ = machine.start(now: at(0))
        let actions = machine.fetchFailed(.endpointRejected, now: at(0), jitter: 0)
        #expect(actions == [.resumeWaiters(.failure(.endpointRejected)), .scheduleWake(atNanoseconds: at(0.5))])
    }

    @Test func stopFailsWaitersAndLaterRequests() {
        var machine = lifecycle()
        _ = machine.start(now: at(0))
        #expect(machine.stop() == [.resumeWaiters(.failure(.providerStopped))])
        #expect(machine.fetchSucceeded(grant("A", expiresIn: 60), now: at(1)).isEmpty)
        #expect(machine.requestToken(now: at(1)) == [.fail(.providerStopped)])
        #expect(machine.wake(now: at(100)).isEmpty)
    }
}
