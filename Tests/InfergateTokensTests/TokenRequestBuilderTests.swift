import InfergateCore
import Testing

@testable import InfergateTokens

@Suite struct FormEncodingTests {
    @Test func encodesPerTheFormURLEncodedRules() {
        #expect(FormEncoding.encode("aZ09*-._") == "aZ09*-._")
        #expect(FormEncoding.encode("a b") == "a+b")
        #expect(FormEncoding.encode("s3:cr%t&x=y+z/~") == "s3%3Acr%25t%26x%3Dy%2Bz%2F%7E")
        #expect(FormEncoding.encode("é") == "%C3%A9")
        #expect(
            FormEncoding.body([("grant_type", "client_credentials"), ("scope", "openid profile")])
                == "grant_type=client_credentials&scope=openid+profile")
    }
}

@Suite struct TokenRequestBuilderTests {
    private func configuration(_ authentication: ClientAuthentication) -> TokenProviderConfiguration {
        var configuration = TokenProviderConfiguration(
            name: "t",
            tokenURL: "http://127.0.0.1/token",
            clientID: "api-client",
            clientSecret: .literal("s3:cr%t")
        )
        configuration.clientAuthentication = authentication
        return configuration
    }

    @Test func basicAuthenticationEncodesTheSecretBeforeBase64() throws {
        let builder = TokenRequestBuilder(configuration: configuration(.basic))
        let request = try builder.request(for: .fullGrant)
        // base64("api-client:s3%3Acr%25t"), RFC 6749 §2.3.1.
        #expect(request.headers["Authorization"] == "Basic YXBpLWNsaWVudDpzMyUzQWNyJTI1dA==")
        #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded")
        #expect(request.body == Array("grant_type=client_credentials".utf8))
    }

    @Test func formAuthenticationPutsTheCredentialsInTheBody() throws {
        let builder = TokenRequestBuilder(configuration: configuration(.form))
        let request = try builder.request(for: .fullGrant)
        #expect(request.headers["Authorization"] == nil)
        let expected = "grant_type=client_credentials&client_id=api-client&client_secret=s3%3Acr%25t"
        #expect(request.body == Array(expected.utf8))
    }

    @Test func scopeAndExtraParametersAreAlwaysSent() throws {
        var configuration = configuration(.basic)
        configuration.scope = "openid offline_access"
        configuration.extraParameters = [("audience", "pipeline a&b")]
        let builder = TokenRequestBuilder(configuration: configuration)
        let full = try builder.request(for: .fullGrant)
        #expect(
            full.body == Array("grant_type=client_credentials&scope=openid+offline_access&audience=pipeline+a%26b".utf8)
        )
        let refresh = try builder.request(for: .refresh(refreshToken: "r/1"))
        let expected =
            "grant_type=refresh_token&refresh_token=r%2F1&scope=openid+offline_access&audience=pipeline+a%26b"
        #expect(refresh.body == Array(expected.utf8))
    }

    @Test func passwordGrantSendsUserAndPassword() throws {
        var configuration = configuration(.basic)
        configuration.grant = .password(username: "alice@example.com", password: .literal("p@ss word&"))
        let request = try TokenRequestBuilder(configuration: configuration).request(for: .fullGrant)
        let expected = "grant_type=password&username=alice%40example.com&password=p%40ss+word%26"
        #expect(request.body == Array(expected.utf8))
    }

    @Test func publicClientSendsItsIDAndNoAuthorization() throws {
        var configuration = configuration(.basic)
        configuration.clientSecret = nil
        let request = try TokenRequestBuilder(configuration: configuration).request(for: .fullGrant)
        #expect(request.headers["Authorization"] == nil)
        #expect(request.body == Array("grant_type=client_credentials&client_id=api-client".utf8))
    }

    @Test func missingSecretFileIsAnError() {
        var configuration = configuration(.basic)
        configuration.clientSecret = .file(path: "/nonexistent/infergate/secret")
        let builder = TokenRequestBuilder(configuration: configuration)
        #expect(throws: TokenError.secretUnreadable) {
            try builder.request(for: .fullGrant)
        }
    }
}
