import InfergateCore

/// Source filtering and caller identification: pure functions of the immutable rules.
extension AccessController {
    /// The header carrying a caller's secret key; the gateway must not forward it upstream.
    public static let keyHeader = "X-Infergate-Key"

    /// True when `address` lies in one of `allowedSources`, or when that list is empty.
    /// Unparsable addresses are refused whenever a list is configured.
    public func isSourceAllowed(_ address: String) -> Bool {
        guard !rules.allowedSources.isEmpty else {
            return true
        }
        guard let parsed = IPAddress(address) else {
            return false
        }
        return rules.allowedSources.contains { $0.contains(parsed) }
    }

    /// Decides who sent a request: refuses foreign sources (403 `source_not_allowed`), matches
    /// caller rules in order, checks a matched caller's key (403 `caller_key_invalid`), and
    /// otherwise applies the unknown-caller policy (`ip:<address>`, or 403 `caller_denied`).
    /// A caller header sent more than once never matches, so a request cannot claim two names.
    public func identify(headers: HTTPHeaders, sourceAddress: String) -> IdentityDecision {
        let address = IPAddress(sourceAddress)
        if !rules.allowedSources.isEmpty {
            guard let address, rules.allowedSources.contains(where: { $0.contains(address) }) else {
                return .refused(.forbidden("source_not_allowed", "source address is not allowed"))
            }
        }

        for (index, rule) in rules.callers.enumerated() where matches(rule, headers: headers, address: address) {
            if let expected = rules.callerKeyDigests[index] {
                guard let key = Self.singleValue(headers, Self.keyHeader), Self.digest(of: key, equals: expected) else {
                    return .refused(.forbidden("caller_key_invalid", "caller key is missing or wrong"))
                }
            } else if rule.keySHA256 != nil {
                // A configured hash that failed to decode must not turn into "no key needed".
                return .refused(.forbidden("caller_key_invalid", "caller key is missing or wrong"))
            }
            return .identified(CallerIdentity(name: rule.name, isKnown: true))
        }

        guard rules.unknownLimits != nil else {
            return .refused(.forbidden("caller_denied", "unknown callers are not allowed"))
        }
        return .identified(CallerIdentity(name: "ip:" + sourceAddress, isKnown: false))
    }

    private func matches(_ rule: CallerRule, headers: HTTPHeaders, address: IPAddress?) -> Bool {
        guard rule.header != nil || rule.source != nil else {
            return false
        }
        if let header = rule.header {
            guard let expected = rule.value, Self.singleValue(headers, header) == expected else {
                return false
            }
        }
        if let source = rule.source {
            guard let address, source.contains(address) else {
                return false
            }
        }
        return true
    }

    /// The value of `name` when it appears exactly once; nil when absent or repeated.
    private static func singleValue(_ headers: HTTPHeaders, _ name: String) -> String? {
        var found: String?
        for field in headers where field.name.equalsIgnoringASCIICase(name) {
            guard found == nil else {
                return nil
            }
            found = field.value
        }
        return found
    }

    /// Compares SHA-256 of `key` with `expected` in time independent of where they differ.
    private static func digest(of key: String, equals expected: [UInt8]) -> Bool {
        let actual = SHA256.hash(key.utf8)
        guard actual.count == expected.count else {
            return false
        }
        var difference: UInt8 = 0
        for index in 0..<actual.count {
            difference |= actual[index] ^ expected[index]
        }
        return difference == 0
    }
}
