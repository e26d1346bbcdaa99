/// An IP network such as `10.0.0.0/8` or `fd00::/8`, used for `allowed_sources` and caller matching.
///
/// IPv4 networks are stored as IPv4-mapped IPv6 (`/8` becomes `/104`), so an IPv4-mapped IPv6
/// peer address matches an IPv4 rule and vice versa. A bare address means a single host. Host bits
/// set below the prefix (`10.0.0.1/8`) are refused as a likely typo rather than silently masked.
public struct CIDR: Sendable, Equatable, CustomStringConvertible {
    private let networkHigh: UInt64
    private let networkLow: UInt64
    private let maskHigh: UInt64
    private let maskLow: UInt64
    /// Prefix length in the family of the text (0–32 for IPv4, 0–128 for IPv6).
    public let prefixLength: Int
    /// True when the rule was written as IPv4.
    public let isIPv4: Bool

    /// Parses `address/prefix` or a bare address; throws `invalid_address`, `invalid_prefix` or
    /// `host_bits_set`.
    public init(_ text: String) throws(AccessError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].contains("%"), let address = IPAddress(String(parts[0])) else {
            throw AccessError(
                operation: "parse_cidr",
                code: "invalid_address",
                message: "not an IP network: \(text)"
            )
        }
        // The family follows the text: `::ffff:10.0.0.0/104` is an IPv6 rule over mapped addresses.
        let writtenAsIPv4 = !parts[0].contains(":")
        let familyBits = writtenAsIPv4 ? 32 : 128
        var prefix = familyBits
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                let parsed = Int(digits), parsed <= familyBits
            else {
                throw AccessError(
                    operation: "parse_cidr",
                    code: "invalid_prefix",
                    message: "bad prefix length: \(text)"
                )
            }
            prefix = parsed
        }

        let bits = writtenAsIPv4 ? prefix + 96 : prefix
        let maskHigh = Self.mask(bits: min(bits, 64))
        let maskLow = Self.mask(bits: max(bits - 64, 0))
        guard address.high & ~maskHigh == 0, address.low & ~maskLow == 0 else {
            throw AccessError(
                operation: "parse_cidr",
                code: "host_bits_set",
                message: "host bits set below the prefix: \(text)"
            )
        }
        networkHigh = address.high
        networkLow = address.low
        self.maskHigh = maskHigh
        self.maskLow = maskLow
        prefixLength = prefix
        isIPv4 = writtenAsIPv4
    }

    /// True when `address` (IPv4, IPv6 or IPv4-mapped IPv6 text) lies inside the network;
    /// unparsable text is never inside.
    public func contains(_ address: String) -> Bool {
        guard let parsed = IPAddress(address) else {
            return false
        }
        return contains(parsed)
    }

    /// True when an already parsed address lies inside the network; two masked compares.
    func contains(_ address: IPAddress) -> Bool {
        address.high & maskHigh == networkHigh && address.low & maskLow == networkLow
    }

    public var description: String {
        var bytes: [UInt8] = []
        for word in [networkHigh, networkLow] {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        if isIPv4 {
            return bytes[12..<16].map(String.init).joined(separator: ".") + "/\(prefixLength)"
        }
        let groups = stride(from: 0, to: 16, by: 2).map { index in
            String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16)
        }
        return groups.joined(separator: ":") + "/\(prefixLength)"
    }

    /// A 64-bit mask with the top `bits` bits set (0...64).
    private static func mask(bits: Int) -> UInt64 {
        bits == 0 ? 0 : ~UInt64(0) << UInt64(64 - bits)
    }
}
