/// Where a secret comes from: inline, or a file that is re-read whenever it changes.
///
/// A file is checked with `stat` before every token fetch and re-read when its mtime or size
/// moved, so a rotated secret is used on the next fetch. Trailing newlines are stripped.
/// Descriptions never show a literal secret.
public enum SecretSource: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    case literal(String)
    case file(path: String)

    public var description: String {
        switch self {
        case .literal: "literal(***)"
        case .file(let path): "file(\(path))"
        }
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["source": description]) }
}

/// The OAuth2 grant the provider runs (RFC 6749 §4.4 client credentials, §4.3 password).
///
/// With `.password`, the provider keeps the refresh token Keycloak returns and uses it
/// while it is valid, falling back to the full grant when it is not or is rejected.
public enum TokenGrant: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    case clientCredentials
    case password(username: String, password: SecretSource)

    public var description: String {
        switch self {
        case .clientCredentials: "client_credentials"
        case .password(let username, let password): "password(username: \(username), password: \(password))"
        }
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["grant": description]) }
}

/// How the client authenticates to the token endpoint (RFC 6749 §2.3.1).
///
/// `basic` sends `Authorization: Basic base64(urlencode(id):urlencode(secret))`;
/// `form` puts `client_id` and `client_secret` in the body.
public enum ClientAuthentication: String, Sendable {
    case basic
    case form
}

/// Everything one token provider needs: endpoint, client, grant, schedule and limits.
///
/// Defaults: refresh once 75% of a token's usable life has passed but never sooner than
/// 10 s after it arrived (see docs/tokens.md), 10 s skew, 300 s lifetime when the endpoint
/// omits `expires_in`, 10 s fetch and wait timeouts, backoff 1 s doubling to 30 s.
/// `description` and `debugDescription` redact the client secret, password and extra values.
public struct TokenProviderConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var name: String
    public var tokenURL: String
    public var clientID: String
    public var clientSecret: SecretSource?
    public var grant: TokenGrant = .clientCredentials
    public var clientAuthentication: ClientAuthentication = .basic
    public var scope: String? = nil
    public var extraParameters: [(String, String)] = []
    public var refreshFraction: Double = 0.75
    public var minimumRefreshIntervalSeconds: Double = 10
    public var clockSkewSeconds: Double = 10
    public var defaultLifetimeSeconds: Double = 300
    public var fetchTimeoutMilliseconds: Int = 10_000
    public var waitTimeoutMilliseconds: Int = 10_000
    public var backoffInitialSeconds: Double = 1
    public var backoffMaximumSeconds: Double = 30

    /// A configuration with the defaults above; set the other fields as needed.
    public init(name: String, tokenURL: String, clientID: String, clientSecret: SecretSource?) {
        self.name = name
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    /// Problems a person must fix before the provider can run, empty when the values are usable.
    public func validationProblems() -> [String] {
        var problems: [String] = []
        if tokenURL.isEmpty {
            problems.append("token_url is empty")
        }
        if clientID.isEmpty {
            problems.append("client_id is empty")
        }
        if !(refreshFraction > 0 && refreshFraction < 1) {
            problems.append("refresh_fraction must be in (0, 1)")
        }
        if minimumRefreshIntervalSeconds < 0 || clockSkewSeconds < 0 {
            problems.append("minimum_refresh_interval_seconds and clock_skew_seconds must not be negative")
        }
        if defaultLifetimeSeconds <= 0 || fetchTimeoutMilliseconds <= 0 || waitTimeoutMilliseconds < 0 {
            problems.append("default lifetime and fetch timeout must be positive, wait timeout not negative")
        }
        if backoffInitialSeconds <= 0 || backoffMaximumSeconds < backoffInitialSeconds {
            problems.append("backoff_initial_seconds must be positive and at most backoff_maximum_seconds")
        }
        return problems
    }

    public var description: String {
        var fields = [
            "name: \(name)", "tokenURL: \(tokenURL)", "clientID: \(clientID)",
            "clientSecret: \(clientSecret.map(\.description) ?? "none")", "grant: \(grant)",
            "clientAuthentication: \(clientAuthentication.rawValue)", "scope: \(scope ?? "none")",
        ]
        // Extra parameters may be assertions or audiences; show which, not what.
        fields.append("extraParameters: [\(extraParameters.map { "\($0.0)=***" }.joined(separator: ", "))]")
        fields.append("refreshFraction: \(refreshFraction)")
        fields.append("minimumRefreshIntervalSeconds: \(minimumRefreshIntervalSeconds)")
        fields.append("clockSkewSeconds: \(clockSkewSeconds)")
        fields.append("defaultLifetimeSeconds: \(defaultLifetimeSeconds)")
        fields.append("fetchTimeoutMilliseconds: \(fetchTimeoutMilliseconds)")
        fields.append("waitTimeoutMilliseconds: \(waitTimeoutMilliseconds)")
        fields.append("backoffSeconds: \(backoffInitialSeconds)...\(backoffMaximumSeconds)")
        return "TokenProviderConfiguration(" + fields.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["configuration": description]) }
}
