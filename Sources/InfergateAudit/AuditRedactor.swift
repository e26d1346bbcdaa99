import Foundation
import InfergateCore

/// Removes credentials from what the audit log stores: header values and query parameters.
///
/// Header names compare ASCII case-insensitively. Query parameter names compare after
/// percent-decoding and lowercasing, so `Access%5FToken=` is caught as well as `access_token=`.
/// A redacted value is stored as `***`; names, order and the rest of the target stay intact.
struct AuditRedactor: Sendable {
    static let mask = "***"

    static let defaultHeaders = ["authorization", "proxy-authorization", "cookie", "set-cookie"]

    static let sensitiveParameters: Set<String> = [
        "access_token", "refresh_token", "id_token", "token", "code", "client_secret",
        "password", "passwd", "secret", "api_key", "apikey",
    ]

    private let headerNames: Set<String>
    /// The same names as an array, for an allocation-free ASCII scan of ASCII field names.
    private let headerNameList: [String]

    /// A redactor for the default headers plus `extraHeaders`.
    init(extraHeaders: [String]) {
        headerNames = Set((Self.defaultHeaders + extraHeaders).map { $0.lowercased() })
        headerNameList = Array(headerNames)
    }

    /// The headers as a JSON array of `[name, value]` pairs in wire order, credentials masked.
    func headersJSON(_ headers: HTTPHeaders) -> String {
        var json: [UInt8] = []
        json.reserveCapacity(2 + headers.fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 8 })
        json.append(UInt8(ascii: "["))
        for (index, field) in headers.fields.enumerated() {
            if index > 0 {
                json.append(UInt8(ascii: ","))
            }
            json.append(UInt8(ascii: "["))
            JSONText.appendQuoted(field.name, to: &json)
            json.append(UInt8(ascii: ","))
            JSONText.appendQuoted(isRedacted(field.name) ? Self.mask : field.value, to: &json)
            json.append(UInt8(ascii: "]"))
        }
        json.append(UInt8(ascii: "]"))
        return String(decoding: json, as: UTF8.self)
    }

    private func isRedacted(_ name: String) -> Bool {
        // Unicode lowercasing can fold a non-ASCII letter onto an ASCII one (the Kelvin sign to
        // `k`), so only all-ASCII names take the byte-wise comparison.
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else {
            return headerNames.contains(name.lowercased())
        }
        return headerNameList.contains { name.equalsIgnoringASCIICase($0) }
    }

    /// `target` (a path or a full URL) with the values of sensitive query parameters masked.
    func redactQuery(_ target: String) -> String {
        // Most targets carry no query; a byte scan avoids walking them as Characters.
        guard target.utf8.contains(UInt8(ascii: "?")), let questionMark = target.firstIndex(of: "?") else {
            return target
        }
        let head = target[..<questionMark]
        var query = target[target.index(after: questionMark)...]
        var fragment = ""
        if let hash = query.firstIndex(of: "#") {
            fragment = String(query[hash...])
            query = query[..<hash]
        }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            guard let equals = pair.firstIndex(of: "=") else {
                return String(pair)
            }
            let name = pair[..<equals]
            return Self.isSensitive(String(name)) ? name + "=" + Self.mask : String(pair)
        }
        return head + "?" + pairs.joined(separator: "&") + fragment
    }

    /// True when a query parameter called `name` carries a credential.
    static func isSensitive(_ name: String) -> Bool {
        let decoded = (name.replacingPlus().removingPercentEncoding ?? name).lowercased()
        if sensitiveParameters.contains(decoded) {
            return true
        }
        return decoded.hasSuffix("_token") || decoded.hasSuffix("_secret") || decoded.hasSuffix("_password")
    }
}

extension String {
    fileprivate func replacingPlus() -> String {
        String(map { $0 == "+" ? " " : $0 })
    }
}
