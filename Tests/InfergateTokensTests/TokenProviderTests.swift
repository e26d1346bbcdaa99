import Foundation
import InfergateCore
import Testing

@testable import InfergateTokens

@Suite struct TokenProviderTests {
    @Test func twoHundredConcurrentCallersShareOneFetch() async throws {
        let client = ScriptedTokenClient { index, _ in
            try await Task.sleep(nanoseconds: 200_000_000)
            return TokenFixtures.tokenBody("token-\(index)")
        }
        let provider = TokenProvider(
            configuration: TokenFixtures.configuration(),
            client: client,
            logger: TokenFixtures.logger()
        )
        provider.start()
        let values = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<200 {
                group.addTask { try? await provider.token().value }
            }
            var values: [String?] = []
            for await value in group {
                values.append(value)
            }
            return values
        }
        #expect(values.count == 200)
        #expect(values.allSatisfy { $0 == "token-0" })
        #expect(client.callCount == 1)
        #expect(provider.status.fetchCount == 1)
        provider.stop()
    }

    @Test func startFetchesBeforeAnyCaller() async throws {
        let client = ScriptedTokenClient { _, _ in TokenFixtures.tokenBody("early") }
        let provider = TokenProvider(
            configuration: TokenFixtures.configuration(),
            client: client,
            logger: TokenFixtures.logger()
        )
        #expect(!provider.status.hasValidToken)
        provider.start()
        #expect(await eventually { provider.status.hasValidToken })
        #expect(client.callCount == 1)
        let status = provider.status
        #expect(status.expiresInSeconds.map { $0 > 3590 && $0 <= 3600 } == true)
        #expect(status.lastError == nil)
        provider.stop()
    }

    @Test func missingExpiresInUsesTheDefaultLifetimeAndWarns() async throws {
        let client = ScriptedTokenClient { _, _ in
            TokenFixtures.response(200, #"{"access_token":"no-expiry","token_type":"Bearer"}"#)
        }
        let logs = LogRecorder()
        var configuration = TokenFixtures.configuration()
        configuration.defaultLifetimeSeconds = 120
        let provider = TokenProvider(
            configuration: configuration,
            client: client,
            logger: TokenFixtures.logger(),
            logObserver: logs.observer
        )
        let token = try await provider.token()
        let remaining = Double(token.expiresAtNanoseconds) - Double(SystemTimeSource().monotonicNanoseconds)
        #expect(remaining > 119e9 && remaining <= 120e9)
        #expect(logs.contains("warning token.response.expires_in_missing"))
        provider.stop()
    }

    @Test func invalidateFetchesOnceAndIgnoresStaleFingerprints() async throws {
        let client = ScriptedTokenClient { index, _ in
            try await Task.sleep(nanoseconds: 50_000_000)
            return TokenFixtures.tokenBody("token-\(index)")
        }
        let provider = TokenProvider(
            configuration: TokenFixtures.configuration(floorSeconds: 0),
            client: client,
            logger: TokenFixtures.logger()
        )
        let first = try await provider.token()
        // Fifty requests saw the same 401 at once: one purge, one fetch.
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask { provider.invalidate(fingerprint: first.fingerprint) }
            }
        }
        let second = try await provider.token()
        #expect(second.value == "token-1")
        #expect(client.callCount == 2)

        provider.invalidate(fingerprint: first.fingerprint)
        #expect(try await provider.token() == second)
        #expect(client.callCount == 2)
        provider.stop()
    }

    @Test func scopeAndExtrasReachTheWire() async throws {
        let client = ScriptedTokenClient { _, _ in TokenFixtures.tokenBody("scoped") }
        var configuration = TokenFixtures.configuration()
        configuration.scope = "openid profile"
        configuration.extraParameters = [("audience", "wallaroo")]
        let provider = TokenProvider(configuration: configuration, client: client, logger: TokenFixtures.logger())
        _ = try await provider.token()
        let request = try #require(client.requests.first)
        #expect(request.url == TokenFixtures.url)
        #expect(request.bodyText == "grant_type=client_credentials&scope=openid+profile&audience=wallaroo")
        #expect(request.headers["Authorization"] == "Basic YXBpLWNsaWVudDpjbGllbnQtc2VjcmV0LXZhbHVl")
        provider.stop()
    }

    @Test func stopFailsParkedCallers() async throws {
        let client = ScriptedTokenClient { _, _ in
            try await Task.sleep(nanoseconds: 2_000_000_000)
            return TokenFixtures.tokenBody("late")
        }
        let provider = TokenProvider(
            configuration: TokenFixtures.configuration(),
            client: client,
            logger: TokenFixtures.logger()
        )
        provider.start()
        let waiter = Task { () -> String? in
            do throws(TokenError) {
                _ = try await provider.token()
                return nil
            } catch {
                return error.code
            }
        }
        #expect(await eventually { client.callCount == 1 })
        try await Task.sleep(nanoseconds: 20_000_000)
        provider.stop()
        #expect(await waiter.value == "token_provider_stopped")
    }

    @Test func twoSecondTokensUnderContinuousLoadNeverExpire() async throws {
        let client = ScriptedTokenClient { index, _ in
            try await Task.sleep(nanoseconds: 5_000_000)
            return TokenFixtures.tokenBody("short-\(index)", expiresIn: 2)
        }
        let provider = TokenProvider(
            configuration: TokenFixtures.configuration(),
            client: client,
            logger: TokenFixtures.logger()
        )
        provider.start()
        let clock = SystemTimeSource()
        let deadline = clock.monotonicNanoseconds + 6_000_000_000
        let counts = await withTaskGroup(of: (served: Int, expired: Int, failed: Int).self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var served = 0
                    var expired = 0
                    var failed = 0
                    // Bounded by the 6 s deadline; each pass sleeps 2 ms.
                    while clock.monotonicNanoseconds < deadline {
                        do {
                            let token = try await provider.token()
                            served += 1
                            expired += token.expiresAtNanoseconds <= clock.monotonicNanoseconds ? 1 : 0
                        } catch {
                            failed += 1
                        }
                        try? await Task.sleep(nanoseconds: 2_000_000)
                    }
                    return (served, expired, failed)
                }
            }
            var total = (served: 0, expired: 0, failed: 0)
            for await count in group {
                total = (total.served + count.served, total.expired + count.expired, total.failed + count.failed)
            }
            return total
        }
        provider.stop()
        print("2 s tokens over 6 s: \(client.callCount) fetches, \(counts.served) served, \(counts.failed) failed")
        #expect(counts.served > 1_000)
        #expect(counts.expired == 0)
        #expect(counts.failed == 0)
        // One fetch per 1.35 s refresh cycle: 5 in 6 s, give or take scheduling.
        #expect((4...7).contains(client.callCount))
        #expect(client.peakConcurrentCalls == 1)
    }

    @Test func servingACachedTokenIsCheap() async throws {
        let client = ScriptedTokenClient { _, _ in TokenFixtures.tokenBody("cached") }
        let provider = TokenProvider(
            configuration: TokenFixtures.configuration(),
            client: client,
            logger: TokenFixtures.logger()
        )
        _ = try await provider.token()
        let clock = SystemTimeSource()
        let calls = 100_000
        let before = clock.monotonicNanoseconds
        for _ in 0..<calls {
            _ = try await provider.token()
        }
        let nanosecondsPerCall = Double(clock.monotonicNanoseconds - before) / Double(calls)
        print("token() cached path: \(Int(nanosecondsPerCall)) ns/call over \(calls) calls")
        // Generous for a debug build on a shared machine; release measures far below this.
        #expect(nanosecondsPerCall < 20_000)
        #expect(client.callCount == 1)
        provider.stop()
    }
}
