import InfergateCore

/// Builds the exact headers and form body of one token request from the configuration.
///
/// Owns the `SecretReader`s, so file secrets are checked (one `stat`) on every build.
/// The body is `grant_type` first, then grant fields, `scope`, extra parameters, and with
/// `.form` authentication `client_id` and `client_secret`; a client without a secret
/// (a public client such as `sdk-client`) sends `client_id` in the body and no header.
struct TokenRequestBuilder: Sendable {
    /// A request ready for `TokenEndpointClient.post`.
    struct Request: Sendable {
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    let configuration: TokenProviderConfiguration
    private let clientSecret: SecretReader?
    private let password: SecretReader?

    /// A builder with one `SecretReader` per configured secret.
    init(configuration: TokenProviderConfiguration) {
        self.configuration = configuration
        clientSecret = configuration.clientSecret.map(SecretReader.init(source:))
        if case .password(_, let source) = configuration.grant {
            password = SecretReader(source: source)
        } else {
            password = nil
        }
    }

    /// Forces every file secret to be re-read before the next request (after a rejection).
    func markSecretsStale() {
        clientSecret?.markStale()
        password?.markStale()
    }

    /// The request for `kind`; throws `secretUnreadable` when a secret file is missing.
    func request(for kind: TokenLifecycle.FetchKind) throws(TokenError) -> Request {
        var pairs: [(String, String)] = []
        switch (kind, configuration.grant) {
        case (.refresh(let refreshToken), _):
            pairs.append(("grant_type", "refresh_token"))
            pairs.append(("refresh_token", refreshToken))
        case (.fullGrant, .clientCredentials):
            pairs.append(("grant_type", "client_credentials"))
        case (.fullGrant, .password(let username, _)):
            pairs.append(("grant_type", "password"))
            pairs.append(("username", username))
            pairs.append(("password", try password?.read() ?? ""))
        }
        if let scope = configuration.scope, !scope.isEmpty {
            pairs.append(("scope", scope))
        }
        pairs.append(contentsOf: configuration.extraParameters)

        var headers = HTTPHeaders([
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ])
        let secret = try clientSecret?.read()
        switch (configuration.clientAuthentication, secret) {
        case (_, nil):
            pairs.append(("client_id", configuration.clientID))
        case (.basic, let secret?):
            let value = FormEncoding.basicAuthorization(clientID: configuration.clientID, secret: secret)
            headers.add(name: "Authorization", value: value)
        case (.form, let secret?):
            pairs.append(("client_id", configuration.clientID))
            pairs.append(("client_secret", secret))
        }
        return Request(headers: headers, body: Array(FormEncoding.body(pairs).utf8))
    }
}
