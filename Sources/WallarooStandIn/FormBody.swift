import Foundation

/// Decoding of `application/x-www-form-urlencoded` bodies and HTTP Basic credentials.
enum FormBody {
    /// The fields of a form body; later duplicates win, undecodable bytes are kept as given.
    static func decode(_ body: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = unescape(String(parts[0]))
            fields[name] = parts.count > 1 ? unescape(String(parts[1])) : ""
        }
        return fields
    }

    /// `+` is a space in forms; then percent-decoding.
    static func unescape(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The id and secret from `Basic base64(id:secret)`, each form-unescaped (RFC 6749 §2.3.1).
    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else {
            return nil
        }
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else {
            return nil
        }
        return (unescape(String(text[..<colon])), unescape(String(text[text.index(after: colon)...])))
    }
}
