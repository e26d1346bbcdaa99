import Testing

@testable import InfergateTokens

@Suite struct TokenResponseParserTests {
    private func parse(_ status: Int, _ body: String) -> TokenResponseParser.Outcome {
        TokenResponseParser.parse(status: status, body: Array(body.utf8))
    }

    private func failure(_ outcome: TokenResponseParser.Outcome) -> String? {
        guard case .failure(let error, _) = outcome else {
            return nil
        }
        return error.code
    }

    @Test func acceptsAKeycloakResponse() {
        let body =
            #"{"access_token":"eyJ.a.b","expires_in":3600,"refresh_expires_in":1800,"#
            + #""refresh_token":"eyJ.r","token_type":"Bearer","not-before-policy":0,"scope":"profile email"}"#
        let expected = TokenLifecycle.Grant(
            accessToken: "eyJ.a.b",
            expiresInSeconds: 3600,
            refreshToken: "eyJ.r",
            refreshExpiresInSeconds: 1800
        )
        #expect(parse(200, body) == .token(expected))
    }

    @Test func tokenTypeIsCaseInsensitiveAndMayBeAbsent() {
        #expect(failure(parse(200, #"{"access_token":"a","token_type":"bEaReR"}"#)) == nil)
        #expect(parse(200, #"{"access_token":"a"}"#) == .token(TokenLifecycle.Grant(accessToken: "a")))
    }

    @Test(arguments: [
        (200, "", "empty_body"),
        (200, "<html><body>Sign in</body></html>", "not_a_json_object"),
        (200, "not json", "not_a_json_object"),
        (200, "[1,2]", "not_a_json_object"),
        (200, #"{"error":"invalid_client","error_description":"x"}"#, "error_object"),
        (200, #"{"token_type":"Bearer","expires_in":60}"#, "access_token_missing"),
        (200, #"{"access_token":"","token_type":"Bearer"}"#, "access_token_missing"),
        (200, #"{"access_token":7,"token_type":"Bearer"}"#, "access_token_missing"),
        (200, #"{"access_token":"a","token_type":"mac"}"#, "token_type_not_bearer"),
        (200, #"{"access_token":"a","token_type":"Bearer","expires_in":"60"}"#, "expires_in_invalid"),
        (200, #"{"access_token":"a","token_type":"Bearer","expires_in":true}"#, "expires_in_invalid"),
        (200, #"{"access_token":"a","token_type":"Bearer","expires_in":0}"#, "expires_in_invalid"),
    ])
    func malformedSuccessIsInvalid(status: Int, body: String, reason: String) {
        #expect(parse(status, body) == .failure(.responseInvalid, reason: reason))
    }

    @Test func statusesMapToCodes() {
        let body = #"{"error":"invalid_client"}"#
        #expect(failure(parse(401, body)) == "token_endpoint_rejected")
        #expect(failure(parse(400, body)) == "token_endpoint_rejected")
        #expect(failure(parse(403, body)) == "token_endpoint_rejected")
        #expect(failure(parse(500, body)) == "token_endpoint_unreachable")
        #expect(failure(parse(503, "")) == "token_endpoint_unreachable")
        #expect(failure(parse(302, "")) == "token_endpoint_unreachable")
        #expect(failure(parse(204, "")) == "token_response_invalid")
    }
}
