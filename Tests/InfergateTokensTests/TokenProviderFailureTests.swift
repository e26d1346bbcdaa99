import Foundation
import InfergateCore
import Synchronization
import Testing

@testable import InfergateTokens

@Suite struct TokenProviderFailureTests {
    /// Each bad answer is a failed fetch reported with its code, retried after backoff, then recovered.
    @Test(arguments: [
        (TokenFixtures.response(200, ""), "token_response_invalid"),
        (TokenFixtures.response(200, "<html><title>Keycloak</title></html>"), "token_response_invalid"),
        (TokenFixtures.response(200, #"{"error":"invalid_request"}"#), "token_response_invalid"),
        (TokenFixtures.response(200, #"{"token_type":"Bearer","expires_in":300}"#), "token_response_invalid"),
        (TokenFixtures.response(200, #"{"access_token":"m","token_type":"mac"}"#), "token_response_invalid"),
        (TokenFixtures.response(200, "access_token=x&token_type=bearer"), "token_response_invalid"),
        (TokenFixtures.response(500, "Internal Server Error"), "token_endpoint_unreachable"),
        (TokenFixtures.response(401, #"{"error":"unauthorized_client"}"#), "token_endpoint_rejected"),
    ])
    func malformedResponseIsRetried(bad: TokenHTTPResponse, code: String) async throws {
        let client = ScriptedTokenClient { index, _ in
            index == 0 ? bad : TokenFixtures.tokenBody("good")
        }
        let provider = TokenProvider(
            configuration: TokenFixtures.configuration(),
            client: client,
            logger: TokenFixtures.logger()
        )
        await #expect(throws: TokenError.self) { try await provider.token() }
        #expect(provider.status.lastError?.code == code)
        #expect(provider.status.consecutiveFailures == 1)

        #expect(await eventually { provider.status.hasValidToken })
        #expect(try await provider.token().value == "good")
        #expect(client.callCount == 2)
        #expect(provider.status.lastError == nil)
        provider.stop()
    }

    @Test func downEndpointFailsFastDuringBackoffAndRecovers() async throws {
        let isUp = Mutex(false)
        let client = ScriptedTokenClient { index, _ in
            guard isUp.withLock({ $0 }) else {
                throw ConnectionRefused()
            }
            return TokenFixtures.tokenBody("after-outage-\(index)")
        }
        var configuration = TokenFixtures.configuration()
        // Retry after 0.5–1 s: ample time for the hundred fail-fast calls below.
        configuration.backoffInitialSeconds = 1
        configuration.backoffMaximumSeconds = 1
        let provider = TokenProvider(configuration: configuration, client: client, logger: TokenFixtures.logger())

        await #expect(throws: TokenError.endpointUnreachable) { try await provider.token() }
        let clock = SystemTimeSource()
        let before = clock.monotonicNanoseconds
        for _ in 0..<100 {
            await #expect(throws: TokenError.endpointUnreachable) { try await provider.token() }
        }
        // A hundred callers in backoff cost well under one wait timeout (3 s here).
        #expect(clock.monotonicNanoseconds - before < 150_000_000)
        #expect(client.callCount == 1)

        isUp.withLock { $0 = true }
        #expect(await eventually { provider.status.hasValidToken })
        #expect(try await provider.token().value.hasPrefix("after-outage-"))
        #expect(provider.status.consecutiveFailures == 0)
        provider.stop()
    }

    @Test func validTokenIsKeptThroughFailedRefreshesThenDropped() async throws {
        let client = ScriptedTokenClient { index, _ in
            guard index == 0 else {
                throw ConnectionRefused()
            }
            return TokenFixtures.tokenBody("only", expiresIn: 2)
        }
        var configuration = TokenFixtures.configuration()
        configuration.backoffInitialSeconds = 0.1
        configuration.backoffMaximumSeconds = 0.2
        let provider = TokenProvider(configuration: configuration, client: client, logger: TokenFixtures.logger())
        let token = try await provider.token()

        // Refresh starts at 1.35 s and fails; the token stays usable until 1.5 s.
        #expect(await eventually { client.callCount >= 2 })
        let clock = SystemTimeSource()
        if clock.monotonicNanoseconds + 500_000_000 < token.expiresAtNanoseconds - 100_000_000 {
            #expect(try await provider.token() == token)
        }
        #expect(await eventually { !provider.status.hasValidToken })
        await #expect(throws: TokenError.endpointUnreachable) { try await provider.token() }
        #expect(clock.monotonicNanoseconds < token.expiresAtNanoseconds)
        provider.stop()
    }

    @Test func waitIsBoundedByTheWaitTimeout() async throws {
        let client = ScriptedTokenClient { _, _ in
            try await Task.sleep(nanoseconds: 1_500_000_000)
            return TokenFixtures.tokenBody("slow")
        }
        var configuration = TokenFixtures.configuration()
        configuration.waitTimeoutMilliseconds = 200
        let logs = LogRecorder()
        let provider = TokenProvider(
            configuration: configuration,
            client: client,
            logger: TokenFixtures.logger(),
            logObserver: logs.observer
        )
        let clock = SystemTimeSource()
        let before = clock.monotonicNanoseconds
        await #expect(throws: TokenError.waitTimeout) { try await provider.token() }
        let waited = clock.monotonicNanoseconds - before
        #expect(waited >= 190_000_000 && waited < 1_000_000_000)
        #expect(logs.contains("token.wait.timed_out"))
        #expect(await eventually { provider.status.hasValidToken })
        #expect(client.callCount == 1)
        provider.stop()
    }

    @Test func stuckClientIsAbandonedAndItsLateAnswerIgnored() async throws {
        let client = ScriptedTokenClient { index, _ in
            if index == 0 {
                try await Task.sleep(nanoseconds: 1_000_000_000)
                return TokenFixtures.tokenBody("late")
            }
            return TokenFixtures.tokenBody("fresh")
        }
        var configuration = TokenFixtures.configuration()
        configuration.fetchTimeoutMilliseconds = 200
        let provider = TokenProvider(configuration: configuration, client: client, logger: TokenFixtures.logger())

        // The watchdog fires at 300 ms (timeout + 100 ms grace) and fails the parked caller.
        await #expect(throws: TokenError.endpointUnreachable) { try await provider.token() }
        #expect(await eventually { provider.status.hasValidToken })
        #expect(try await provider.token().value == "fresh")

        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(try await provider.token().value == "fresh")
        #expect(client.callCount == 2)
        provider.stop()
    }

    @Test func injectedClockPastExpiryMinusSkewNeverGetsTheOldToken() async throws {
        let client = ScriptedTokenClient { index, _ in TokenFixtures.tokenBody("clock-\(index)", expiresIn: 3600) }
        let clock = ManualTimeSource()
        let provider = TokenProvider(
            configuration: TokenFixtures.configuration(),
            client: client,
            timeSource: clock,
            logger: TokenFixtures.logger()
        )
        let first = try await provider.token()
        clock.advance(seconds: 2000)
        #expect(try await provider.token() == first)
        #expect(client.callCount == 1)

        // Within 10 s of expiry the token is withheld; the caller waits for a new one instead.
        // (No timer fired: Dispatch runs on real time, which barely moved.)
        clock.advance(seconds: 1590.1)
        #expect(provider.status.hasValidToken == false)
        #expect(provider.status.expiresInSeconds.map { $0 < 10 } == true)
        let second = try await provider.token()
        #expect(second.value == "clock-1")
        #expect(second.expiresAtNanoseconds > first.expiresAtNanoseconds)
        provider.stop()
    }
}
