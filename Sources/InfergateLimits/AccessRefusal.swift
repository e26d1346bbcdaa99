import InfergateCore

/// Why a request was refused and what to send back: status, bounded code, and response headers.
///
/// The gateway builds the JSON body from `code`, `message` and `limitName`, and copies `headers`
/// (`Retry-After` and `RateLimit-*` on 429) into the response. Messages name configuration only
/// (caller, route, limit), never keys or request content.
public struct AccessRefusal: Sendable, Equatable, Error {
    /// 403 for identity and permission refusals, 429 for limits and upstream back-off.
    public var status: Int
    /// One of `source_not_allowed`, `caller_denied`, `caller_key_invalid`, `route_not_allowed`,
    /// `rate_limited`, `in_flight_limit`, `upstream_backoff`.
    public var code: String
    /// A sentence for the response body.
    public var message: String
    /// The limit that was hit, such as `caller:fraud-app`, `caller_route:fraud-app@score` or
    /// `route:score`; nil for 403 refusals.
    public var limitName: String?
    /// Whole seconds before a retry can succeed (at least 1), for 429 refusals.
    public var retryAfterSeconds: Int?
    /// Fields to add to the response: `Retry-After`, and `RateLimit-*` when a bucket refused.
    public var headers: HTTPHeaders

    /// Creates a refusal.
    public init(
        status: Int,
        code: String,
        message: String,
        limitName: String? = nil,
        retryAfterSeconds: Int? = nil,
        headers: HTTPHeaders = HTTPHeaders()
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.limitName = limitName
        self.retryAfterSeconds = retryAfterSeconds
        self.headers = headers
    }

    /// A 403 refusal with no headers.
    static func forbidden(_ code: String, _ message: String) -> AccessRefusal {
        AccessRefusal(status: 403, code: code, message: message)
    }

    /// A 429 refusal carrying `Retry-After` and, when a bucket refused, its `RateLimit-*` fields.
    static func tooManyRequests(
        _ code: String,
        _ message: String,
        limitName: String?,
        retryAfterSeconds: Int,
        quota: QuotaSnapshot? = nil
    ) -> AccessRefusal {
        var headers = HTTPHeaders()
        headers.add(name: "Retry-After", value: String(retryAfterSeconds))
        quota?.addFields(to: &headers)
        return AccessRefusal(
            status: 429,
            code: code,
            message: message,
            limitName: limitName,
            retryAfterSeconds: retryAfterSeconds,
            headers: headers
        )
    }
}
