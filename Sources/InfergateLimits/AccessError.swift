/// A configuration mistake found while building the access rules (a bad CIDR, an impossible limit).
///
/// These errors happen at start-up or on reload, never per request; refusals of a request are
/// `AccessRefusal`. `code` is short and bounded so it can label a metric or a log line.
public struct AccessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done, such as `parse_cidr`.
    public var operation: String
    /// Bounded machine-readable reason, such as `invalid_address` or `host_bits_set`.
    public var code: String
    /// A human sentence naming the offending input; configuration text only, never secrets.
    public var message: String

    /// Creates an error; `code` should come from a small fixed set so metrics stay bounded.
    public init(operation: String, code: String, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    public var description: String {
        "\(operation): \(code): \(message)"
    }
}
