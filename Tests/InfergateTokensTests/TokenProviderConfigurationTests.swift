import Testing

@testable import InfergateTokens

@Suite struct TokenProviderConfigurationTests {
    private let secrets = ["client-s3cret", "user-pa55word", "assertion-value"]

    private func configuration() -> TokenProviderConfiguration {
        var configuration = TokenProviderConfiguration(
            name: "wallaroo",
            tokenURL: "https://keycloak.example/token",
            clientID: "api-client",
            clientSecret: .literal("client-s3cret")
        )
        configuration.grant = .password(username: "alice", password: .literal("user-pa55word"))
        configuration.extraParameters = [("client_assertion", "assertion-value")]
        configuration.scope = "openid"
        return configuration
    }

    @Test func descriptionsRedactSecrets() {
        let value = configuration()
        let renderings = [
            "\(value)", String(reflecting: value), String(describing: value.grant),
            String(reflecting: value.clientSecret), dumped(value),
        ]
        for rendering in renderings {
            for secret in secrets {
                #expect(!rendering.contains(secret), "\(secret) leaked")
            }
        }
        #expect(renderings[0].contains("alice"))
        #expect(renderings[0].contains("client_assertion=***"))
        #expect(renderings[0].contains("clientSecret: literal(***)"))
    }

    @Test func fileSecretShowsItsPath() {
        #expect(SecretSource.file(path: "/run/secrets/kc").description == "file(/run/secrets/kc)")
    }

    @Test func bearerTokenDescribesItselfByFingerprint() {
        let token = BearerToken(value: "eyJ.secret.token", expiresAtNanoseconds: 5)
        for rendering in ["\(token)", String(reflecting: token), dumped(token)] {
            #expect(!rendering.contains("eyJ.secret.token"))
            #expect(rendering.contains(token.fingerprint))
        }
        #expect(token.authorizationHeaderValue == "Bearer eyJ.secret.token")
    }

    @Test func validationFlagsBadValues() {
        #expect(configuration().validationProblems().isEmpty)
        var bad = configuration()
        bad.refreshFraction = 1
        bad.backoffMaximumSeconds = 0.5
        bad.tokenURL = ""
        #expect(bad.validationProblems().count == 3)
    }

    @Test func errorsKnowTheirStatusAndBody() {
        #expect(TokenError.endpointUnreachable.httpStatus == 502)
        #expect(TokenError.providerStopped.httpStatus == 502)
        #expect(TokenError.waitTimeout.httpStatus == 504)
        #expect(TokenError.responseInvalid.httpStatus == 502)
        let json = TokenError.endpointUnreachable.errorBody.json
        #expect(
            json == #"{"code":502,"status":"error","error":"no valid token for upstream: token endpoint "#
                + #"unreachable","source":"gateway","token_error":"token_endpoint_unreachable"}"#)
    }

    private func dumped<T>(_ value: T) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }
}
