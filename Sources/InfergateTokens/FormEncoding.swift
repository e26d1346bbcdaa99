import Foundation

/// `application/x-www-form-urlencoded` serialization as the WHATWG URL standard defines it.
///
/// Letters, digits and `*-._` pass through, space becomes `+`, every other UTF-8 byte is
/// `%XX` in uppercase hex. RFC 6749 §2.3.1 also applies it to Basic credentials.
enum FormEncoding {
    /// One name or value, encoded.
    static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: "_"):
                out.append(byte)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `name=value&name=value`, in the order given.
    static func body(_ pairs: [(String, String)]) -> String {
        pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// The `Authorization` value for HTTP Basic client authentication (RFC 6749 §2.3.1).
    static func basicAuthorization(clientID: String, secret: String) -> String {
        let credentials = encode(clientID) + ":" + encode(secret)
        return "Basic " + Data(credentials.utf8).base64EncodedString()
    }
}
