import Foundation
import InfergateCore
import Testing

@testable import InfergateTokens

/// The client secret a Basic header carries, decoded (form-encoding left in place).
private func basicSecret(_ request: RecordedTokenRequest) -> String? {
    guard let header = request.headers["Authorization"], header.hasPrefix("Basic "),
        let data = Data(base64Encoded: String(header.dropFirst(6)))
    else {
        return nil
    }
    return String(decoding: data, as: UTF8.self).split(separator: ":", maxSplits: 1).last.map(String.init)
}

@Suite struct TokenProviderCredentialTests {
    @Test func formAuthenticationSendsExactBytesThroughTheProvider() async throws {
        let client = ScriptedTokenClient { _, _ in TokenFixtures.tokenBody("form") }
        var configuration = TokenFixtures.configuration(secret: .literal("s3:cr%t"))
        configuration.clientAuthentication = .form
        let provider = TokenProvider(configuration: configuration, client: client, logger: TokenFixtures.logger())
        _ = try await provider.token()
        let request = try #require(client.requests.first)
        #expect(request.headers["Authorization"] == nil)
        #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded")
        let expected = "grant_type=client_credentials&client_id=api-client&client_secret=s3%3Acr%25t"
        #expect(request.body == Array(expected.utf8))
        provider.stop()
    }

    @Test func rotatedSecretFileIsUsedOnTheNextFetch() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("client-secret").path
        try "first\n".write(toFile: path, atomically: true, encoding: .utf8)
        let client = ScriptedTokenClient { index, _ in TokenFixtures.tokenBody("t\(index)") }
        let provider = TokenProvider(
            configuration: TokenFixtures.configuration(secret: .file(path: path), floorSeconds: 0),
            client: client,
            logger: TokenFixtures.logger()
        )
        let first = try await provider.token()
        try "second-rotated\n".write(toFile: path, atomically: true, encoding: .utf8)
        provider.invalidate(fingerprint: first.fingerprint)
        _ = try await provider.token()
        #expect(client.requests.map(basicSecret) == ["first", "second-rotated"])
        provider.stop()
    }

    @Test func rejectionForcesTheSecretFileToBeReRead() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("client-secret").path
        try "old-secret".write(toFile: path, atomically: true, encoding: .utf8)
        let client = ScriptedTokenClient { _, request in
            basicSecret(request) == "new-secret"
                ? TokenFixtures.tokenBody("accepted")
                : TokenFixtures.response(401, #"{"error":"unauthorized_client"}"#)
        }
        let provider = TokenProvider(
            configuration: TokenFixtures.configuration(secret: .file(path: path)),
            client: client,
            logger: TokenFixtures.logger()
        )
        await #expect(throws: TokenError.endpointRejected) { try await provider.token() }
        // Same size, same mtime: only the rejection can make the provider look again.
        try overwriteKeepingModificationTime(path, with: "new-secret")
        #expect(await eventually { provider.status.hasValidToken })
        #expect(try await provider.token().value == "accepted")
        #expect(client.requests.map(basicSecret) == ["old-secret", "new-secret"])
        provider.stop()
    }

    @Test func passwordGrantRefreshesThenFallsBackToTheFullGrant() async throws {
        let client = ScriptedTokenClient { index, _ in
            switch index {
            case 0: TokenFixtures.tokenBody("access-1", refreshToken: "refresh-1", refreshExpiresIn: 1800)
            case 1: TokenFixtures.tokenBody("access-2", refreshToken: "refresh-2", refreshExpiresIn: 1800)
            case 2: TokenFixtures.response(400, #"{"error":"invalid_grant"}"#)
            default: TokenFixtures.tokenBody("access-\(index)", refreshToken: "refresh-\(index)")
            }
        }
        var configuration = TokenFixtures.configuration(floorSeconds: 0)
        configuration.grant = .password(username: "alice", password: .literal("pa ss&word"))
        let provider = TokenProvider(configuration: configuration, client: client, logger: TokenFixtures.logger())

        let first = try await provider.token()
        provider.invalidate(fingerprint: first.fingerprint)
        let second = try await provider.token()
        #expect(second.value == "access-2")
        provider.invalidate(fingerprint: second.fingerprint)
        // The refresh is rejected; the caller keeps waiting while the full grant goes out.
        #expect(try await provider.token().value == "access-3")

        #expect(
            client.requests.map(\.bodyText) == [
                "grant_type=password&username=alice&password=pa+ss%26word",
                "grant_type=refresh_token&refresh_token=refresh-1",
                "grant_type=refresh_token&refresh_token=refresh-2",
                "grant_type=password&username=alice&password=pa+ss%26word",
            ])
        #expect(provider.status.consecutiveFailures == 0)
        provider.stop()
    }

    @Test func noSecretReachesAnyLogLineOrError() async throws {
        let secrets = ["client-secret-value", "user-password-value", "access-token-value", "refresh-token-value"]
        let client = ScriptedTokenClient { index, _ in
            switch index {
            case 0: TokenFixtures.tokenBody("access-token-value-0", refreshToken: "refresh-token-value-0")
            case 1: TokenFixtures.response(400, #"{"error":"invalid_grant","x":"refresh-token-value-0"}"#)
            case 2: TokenFixtures.response(200, "<html>access-token-value</html>")
            case 3: throw ConnectionRefused()
            default: TokenFixtures.response(200, #"{"access_token":"access-token-value-4","token_type":"Bearer"}"#)
            }
        }
        var configuration = TokenFixtures.configuration(floorSeconds: 0)
        configuration.grant = .password(username: "alice", password: .literal("user-password-value"))
        let logs = LogRecorder()
        let provider = TokenProvider(
            configuration: configuration,
            client: client,
            logger: TokenFixtures.logger(),
            logObserver: logs.observer
        )
        provider.start()
        var rendered: [String] = []
        let first = try await provider.token()
        provider.invalidate(fingerprint: first.fingerprint)
        for _ in 0..<2 {
            do throws(TokenError) {
                _ = try await provider.token()
            } catch {
                rendered += ["\(error)", error.message, error.errorBody.json]
            }
            _ = await eventually { provider.status.consecutiveFailures >= 1 }
        }
        #expect(await eventually { client.callCount >= 5 && provider.status.hasValidToken })
        provider.stop()

        rendered += logs.all + [configuration.description, "\(provider.status)"]
        #expect(logs.all.count >= 6)
        #expect(logs.contains("token.fetch.failed"))
        #expect(logs.contains("token.fetch.succeeded"))
        #expect(logs.contains(first.fingerprint))
        for line in rendered {
            for secret in secrets {
                #expect(!line.contains(secret), "secret in: \(line)")
            }
        }
    }
}
