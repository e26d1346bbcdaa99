/// How a known caller is recognised and what it may do: one entry of the `callers` list.
///
/// A rule matches when every condition it sets holds: the named header carries exactly `value`,
/// and the peer address lies in `source`. A rule with neither a header nor a source never matches.
/// Rules are tried in configuration order; the first match wins.
public struct CallerRule: Sendable {
    /// The caller's name, used for limits, `allowed_callers` and audit rows.
    public var name: String
    /// Header to read, such as `X-Caller`; compared case-insensitively by name, exactly by value.
    public var header: String?
    /// The exact header value that names this caller.
    public var value: String?
    /// Peer network the caller must come from, if any.
    public var source: CIDR?
    /// Lowercase hex SHA-256 of the secret the caller must send in `X-Infergate-Key`, if any.
    public var keySHA256: String?
    /// The caller's own limits, applied across all routes.
    public var limits: LimitSpec

    /// Creates a rule.
    public init(
        name: String,
        header: String? = nil,
        value: String? = nil,
        source: CIDR? = nil,
        keySHA256: String? = nil,
        limits: LimitSpec = .unlimited
    ) {
        self.name = name
        self.header = header
        self.value = value
        self.source = source
        self.keySHA256 = keySHA256
        self.limits = limits
    }
}

/// What to do with a request that matches no caller rule.
public enum UnknownCallerPolicy: Sendable {
    /// Serve it as `ip:<address>`, each address with its own copy of these limits.
    case allow(LimitSpec)
    /// Refuse it with 403 `caller_denied`.
    case deny
}
