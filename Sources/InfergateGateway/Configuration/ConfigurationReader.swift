import Foundation

/// Reads typed values out of a parsed JSON object while tracking the key path for errors.
///
/// Every key that is read is remembered, so `rejectUnknownKeys()` can name typos. `${NAME}`
/// inside string values is replaced by the environment variable NAME; an unset variable is an
/// error naming the key and the variable, never its value.
struct ConfigurationReader {
    let path: String
    private let object: [String: Any]
    private let environment: [String: String]
    private var readKeys: Set<String> = []

    init(object: [String: Any], path: String, environment: [String: String]) {
        self.object = object
        self.path = path
        self.environment = environment
    }

    func keyPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    func has(_ key: String) -> Bool {
        object[key] != nil && !(object[key] is NSNull)
    }

    mutating func string(_ key: String, secret: Bool = false) throws(ConfigurationError) -> String? {
        readKeys.insert(key)
        guard let raw = object[key], !(raw is NSNull) else {
            return nil
        }
        guard let text = raw as? String else {
            throw ConfigurationError(key: keyPath(key), value: secret ? "***" : "\(raw)", reason: "expected a string")
        }
        return try substituteEnvironment(in: text, key: key)
    }

    mutating func requiredString(_ key: String, secret: Bool = false) throws(ConfigurationError) -> String {
        guard let value = try string(key, secret: secret), !value.isEmpty else {
            throw ConfigurationError(key: keyPath(key), reason: "is required and must be a non-empty string")
        }
        return value
    }

    mutating func int(_ key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let number = try number(key, wholeOnly: true) else {
            return nil
        }
        return try checked(number.intValue, in: range, key: key)
    }

    mutating func double(_ key: String, range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard let number = try number(key, wholeOnly: false) else {
            return nil
        }
        return try checked(number.doubleValue, in: range, key: key)
    }

    /// The JSON number at `key`, or nil when absent; booleans and strings are refused.
    private mutating func number(_ key: String, wholeOnly: Bool) throws(ConfigurationError) -> NSNumber? {
        readKeys.insert(key)
        guard let raw = object[key], !(raw is NSNull) else {
            return nil
        }
        guard let number = raw as? NSNumber, !isBoolean(number),
            !wholeOnly || number.doubleValue == number.doubleValue.rounded()
        else {
            throw ConfigurationError(
                key: keyPath(key), value: "\(raw)", reason: wholeOnly ? "expected an integer" : "expected a number")
        }
        return number
    }

    private func checked<Value: Comparable>(
        _ value: Value,
        in range: ClosedRange<Value>,
        key: String
    ) throws(ConfigurationError) -> Value {
        guard range.contains(value) else {
            throw ConfigurationError(
                key: keyPath(key),
                value: "\(value)",
                reason: "must be between \(range.lowerBound) and \(range.upperBound)"
            )
        }
        return value
    }

    mutating func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        readKeys.insert(key)
        guard let raw = object[key], !(raw is NSNull) else {
            return nil
        }
        guard let number = raw as? NSNumber, isBoolean(number) else {
            throw ConfigurationError(key: keyPath(key), value: "\(raw)", reason: "expected true or false")
        }
        return number.boolValue
    }

    mutating func stringArray(_ key: String) throws(ConfigurationError) -> [String]? {
        readKeys.insert(key)
        guard let raw = object[key], !(raw is NSNull) else {
            return nil
        }
        guard let items = raw as? [Any] else {
            throw ConfigurationError(key: keyPath(key), value: "\(raw)", reason: "expected a list of strings")
        }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item as? String else {
                throw ConfigurationError(
                    key: "\(keyPath(key))[\(index)]", value: "\(item)", reason: "expected a string")
            }
            strings.append(try substituteEnvironment(in: text, key: "\(key)[\(index)]"))
        }
        return strings
    }

    mutating func object(_ key: String) throws(ConfigurationError) -> ConfigurationReader? {
        readKeys.insert(key)
        guard let raw = object[key], !(raw is NSNull) else {
            return nil
        }
        guard let nested = raw as? [String: Any] else {
            throw ConfigurationError(key: keyPath(key), reason: "expected an object")
        }
        return ConfigurationReader(object: nested, path: keyPath(key), environment: environment)
    }

    mutating func objectArray(_ key: String) throws(ConfigurationError) -> [ConfigurationReader]? {
        readKeys.insert(key)
        guard let raw = object[key], !(raw is NSNull) else {
            return nil
        }
        guard let items = raw as? [Any] else {
            throw ConfigurationError(key: keyPath(key), reason: "expected a list of objects")
        }
        var readers: [ConfigurationReader] = []
        for (index, item) in items.enumerated() {
            guard let nested = item as? [String: Any] else {
                throw ConfigurationError(key: "\(keyPath(key))[\(index)]", reason: "expected an object")
            }
            readers.append(
                ConfigurationReader(object: nested, path: "\(keyPath(key))[\(index)]", environment: environment))
        }
        return readers
    }

    /// The keys of this object in sorted order, for maps such as `token_providers`.
    var keys: [String] {
        object.keys.sorted()
    }

    func rejectUnknownKeys() throws(ConfigurationError) {
        for key in object.keys.sorted() where !readKeys.contains(key) {
            throw ConfigurationError(key: keyPath(key), reason: "unknown key")
        }
    }

    private func isBoolean(_ number: NSNumber) -> Bool {
        // JSONSerialization hands booleans back as NSNumber; their Objective-C type code is "c".
        String(cString: number.objCType) == "c"
    }

    private func substituteEnvironment(in text: String, key: String) throws(ConfigurationError) -> String {
        guard text.contains("${") else {
            return text
        }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw ConfigurationError(key: keyPath(key), reason: "unterminated ${ in value")
            }
            let name = String(rest[open.upperBound..<close])
            guard let value = environment[name] else {
                throw ConfigurationError(key: keyPath(key), reason: "environment variable \(name) is not set")
            }
            result += value
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
