/// Who sent a request, as decided by `AccessController.identify`.
///
/// Known callers carry their configured name; unknown callers are named `ip:<address>` so each
/// peer address gets its own buckets under the unknown-caller policy.
public struct CallerIdentity: Sendable, Equatable, Hashable {
    /// Configured caller name, or `ip:<address>` for unknown callers.
    public var name: String
    /// True when a caller rule matched.
    public var isKnown: Bool

    /// Creates an identity.
    public init(name: String, isKnown: Bool) {
        self.name = name
        self.isKnown = isKnown
    }
}

/// The outcome of identification: an identity to admit, or a refusal to send back (always 403).
public enum IdentityDecision: Sendable, Equatable {
    case identified(CallerIdentity)
    case refused(AccessRefusal)
}
