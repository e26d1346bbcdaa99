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
        var trimmed = Substring(text)
        if trimmed.hasPrefix("["), trimmed.hasSuffix("]") {
            trimmed = trimmed.dropFirst().dropLast()
        }
        if let percent = trimmed.firstIndex(of: "%") {
            trimmed = trimmed[..<percent]
        }
        guard !trimmed.isEmpty, trimmed.utf8.count < 64 else {
            return nil
        }
        let plain = String(trimmed)

        if !plain.contains(":") {
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
}
