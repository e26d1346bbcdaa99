import InfergateCore

/// An access token ready to attach as `Authorization: Bearer <value>`.
///
/// `expiresAtNanoseconds` is on the provider's monotonic clock (`TimeSource`) and measured
/// from when the request for the token was sent, so it is never later than the real expiry.
/// `description` shows the fingerprint only, so the value cannot leak through interpolation.
public struct BearerToken: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var value: String
    public var fingerprint: String
    public var expiresAtNanoseconds: UInt64

    /// A token for `value`; the fingerprint is computed here, once.
    public init(value: String, expiresAtNanoseconds: UInt64) {
        self.value = value
        self.fingerprint = SHA256.fingerprint(value)
        self.expiresAtNanoseconds = expiresAtNanoseconds
    }

    /// The header value to send upstream.
    public var authorizationHeaderValue: String { "Bearer " + value }

    public var description: String { "BearerToken(\(fingerprint))" }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["fingerprint": fingerprint, "expiresAtNanoseconds": expiresAtNanoseconds])
    }
}

/// A snapshot of a provider's health for the gateway's status page and metrics.
///
/// `expiresInSeconds` counts to the token's real expiry (nil without a token);
/// `hasValidToken` already accounts for the clock skew margin.
public struct TokenStatus: Sendable {
    public var hasValidToken: Bool
    public var expiresInSeconds: Double?
    public var lastError: TokenError?
    public var consecutiveFailures: Int
    public var fetchCount: Int

    /// A snapshot; `TokenProvider.status` is the usual source.
    public init(
        hasValidToken: Bool,
        expiresInSeconds: Double?,
        lastError: TokenError?,
        consecutiveFailures: Int,
        fetchCount: Int
    ) {
        self.hasValidToken = hasValidToken
        self.expiresInSeconds = expiresInSeconds
        self.lastError = lastError
        self.consecutiveFailures = consecutiveFailures
        self.fetchCount = fetchCount
    }
}
