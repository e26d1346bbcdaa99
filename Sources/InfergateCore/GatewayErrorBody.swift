/// The JSON body of an error the gateway itself produces, in Wallaroo's newer error shape:
/// `{"code":502,"status":"error","error":"upstream connection refused","source":"gateway"}`.
///
/// `message` must be safe for callers: no internals, no secrets. `extra` adds fields such as
/// the name of the limit that was hit.
public struct GatewayErrorBody: Sendable, Equatable {
    public var code: Int
    public var message: String
    public var source: String
    public var extra: [(String, String)]

    public init(code: Int, message: String, source: String = "gateway", extra: [(String, String)] = []) {
        self.code = code
        self.message = message
        self.source = source
        self.extra = extra
    }

    public static func == (lhs: GatewayErrorBody, rhs: GatewayErrorBody) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.source == rhs.source
            && lhs.extra.map(\.0) == rhs.extra.map(\.0) && lhs.extra.map(\.1) == rhs.extra.map(\.1)
    }

    /// The serialized body, compact, keys in a fixed order.
    public var json: String {
        var text = "{\"code\":\(code),\"status\":\"error\",\"error\":\(JSONText.quote(message))"
        text += ",\"source\":\(JSONText.quote(source))"
        for (key, value) in extra {
            text += ",\(JSONText.quote(key)):\(JSONText.quote(value))"
        }
        return text + "}"
    }

    public var bytes: [UInt8] { Array(json.utf8) }
}

/// Small helpers for writing JSON text by hand where the key order matters.
public enum JSONText {
    /// `value` as a JSON string literal, quotes included (RFC 8259 §7).
    public static func quote(_ value: String) -> String {
        // Most values (header names, ids, ASCII text) need no escape: skip the scalar walk.
        let needsEscape = value.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        guard needsEscape else {
            return "\"" + value + "\""
        }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Appends `value` as a JSON string literal to `out`: the same text as `quote`, without a String.
    ///
    /// Escapes work byte by byte: every byte that needs one is ASCII, and UTF-8 never uses
    /// ASCII bytes inside a multi-byte scalar, so the rest is copied verbatim.
    public static func appendQuoted(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let needsEscape = value.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        guard needsEscape else {
            out.append(contentsOf: value.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x0A:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let digits: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30])
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0F)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
