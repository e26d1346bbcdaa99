/// A configuration problem, naming the key, the offending value and the reason.
///
/// Values of secret keys are never carried: `value` is `***` for them.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var value: String?
    public var reason: String

    public init(key: String, value: String? = nil, reason: String) {
        self.key = key
        self.value = value
        self.reason = reason
    }

    public var description: String {
        if let value {
            return "configuration error at \(key) (value \(value)): \(reason)"
        }
        return "configuration error at \(key): \(reason)"
    }
}
