import Glibc

/// A parsed IP address held as 128 bits, with IPv4 stored in its IPv4-mapped IPv6 form.
///
/// Mapping IPv4 into `::ffff:0:0/96` lets one comparison serve both families, so a dual-stack
/// listener's `::ffff:10.0.0.1` matches a `10.0.0.0/8` rule. This is the only file that calls C.
struct IPAddress: Sendable, Equatable {
    var high: UInt64
    var low: UInt64
    var isIPv4: Bool

    /// Parses dotted IPv4 or textual IPv6 with `inet_pton`; brackets and a `%zone` suffix are ignored.
    init?(_ text: String) {
        if let v4 = Self.parseDottedQuad(text.utf8) {
            high = 0
            low = 0x0000_FFFF_0000_0000 | UInt64(v4)
            isIPv4 = true
            return
        }
        var trimmed = Substring(text)
        if trimmed.utf8.first == UInt8(ascii: "["), trimmed.utf8.last == UInt8(ascii: "]") {
            trimmed = trimmed.dropFirst().dropLast()
        }
        if let percent = trimmed.utf8.firstIndex(of: UInt8(ascii: "%")) {
            trimmed = trimmed[..<percent]
        }
        guard !trimmed.isEmpty, trimmed.utf8.count < 64 else {
            return nil
        }
        let plain = String(trimmed)

        // A byte scan: `String.contains` would go through Foundation's `range(of:)` here.
        if !plain.utf8.contains(UInt8(ascii: ":")) {
            var v4 = in_addr()
            guard inet_pton(AF_INET, plain, &v4) == 1 else {
                return nil
            }
            high = 0
            low = 0x0000_FFFF_0000_0000 | UInt64(UInt32(bigEndian: v4.s_addr))
            isIPv4 = true
            return
        }

        var v6 = in6_addr()
        guard inet_pton(AF_INET6, plain, &v6) == 1 else {
            return nil
        }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        isIPv4 = high == 0 && low >> 32 == 0xFFFF
    }

    /// Exactly four decimal parts of 0...255 without leading zeros, the form peers are reported
    /// in, as a host-order value; anything else is left to `inet_pton`.
    static func parseDottedQuad(_ bytes: String.UTF8View) -> UInt32? {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var dots = 0
        var leadsWithZero = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else {
                    return nil
                }
                value = value << 8 | part
                dots += 1
                (part, digits, leadsWithZero) = (0, 0, false)
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3, !leadsWithZero else {
                return nil
            }
            leadsWithZero = digits == 0 && byte == UInt8(ascii: "0")
            part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
            digits += 1
            guard part <= 255 else {
                return nil
            }
        }
        guard dots == 3, digits > 0 else {
            return nil
        }
        return value << 8 | part
    }
}
