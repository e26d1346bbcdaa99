import InfergateCore

/// Why the provider has no token to give, safe to show to callers and to write to audit rows.
///
/// `code` is short and bounded (metrics, audit); `message` never carries secrets, response
/// bodies or internals. Details for operators go to the log, keyed by the same code.
public struct TokenError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String

    /// An error with a bounded `code` and a caller-safe `message`; prefer the static values.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// Transport failure, or the endpoint answered with a server error (5xx, 3xx, 429...).
    public static let endpointUnreachable = TokenError(
        code: "token_endpoint_unreachable",
        message: "no valid token for upstream: token endpoint unreachable"
    )

    /// The endpoint refused the client or user credentials (HTTP 400, 401 or 403).
    public static let endpointRejected = TokenError(
        code: "token_endpoint_rejected",
        message: "no valid token for upstream: token endpoint rejected the credentials"
    )

    /// HTTP 200 whose body is not a usable bearer token response (empty, HTML, error JSON...).
    public static let responseInvalid = TokenError(
        code: "token_response_invalid",
        message: "no valid token for upstream: token endpoint sent an invalid response"
    )

    /// A caller waited `waitTimeoutMilliseconds` on the in-flight fetch without a result.
    public static let waitTimeout = TokenError(
        code: "token_wait_timeout",
        message: "no valid token for upstream: timed out waiting for the token endpoint"
    )

    /// The client secret or password file could not be read.
    public static let secretUnreadable = TokenError(
        code: "token_secret_unreadable",
        message: "no valid token for upstream: credentials are not readable"
    )

    /// `stop()` was called; the provider hands out nothing more.
    public static let providerStopped = TokenError(
        code: "token_provider_stopped",
        message: "no valid token for upstream: token provider stopped"
    )

    /// The HTTP status a gateway should answer with when a request fails for this reason.
    ///
    /// 504 when the wait timed out, 502 for the rest: the identity provider was down,
    /// misbehaved or refused us, none of it the caller's fault. Never 503, which the Wallaroo
    /// SDK retries ten times in a row against an endpoint that is already struggling.
    public var httpStatus: Int {
        code == TokenError.waitTimeout.code ? 504 : 502
    }

    /// The Wallaroo-shaped error body for a gateway response, with the code as `token_error`.
    public var errorBody: GatewayErrorBody {
        GatewayErrorBody(code: httpStatus, message: message, extra: [("token_error", code)])
    }

    public var description: String { "\(code): \(message)" }
}
