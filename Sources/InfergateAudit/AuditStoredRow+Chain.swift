import InfergateCore

/// The tamper-evident hash chain over stored rows.
///
/// `row_hash` = SHA-256(previous row's hash as 32 raw bytes ‖ canonical encoding of this row),
/// where the canonical encoding is a version byte, then `seq` and every content column in
/// `contentColumns` order, each as a tag byte and a big-endian length or value. The first row
/// chains from 32 zero bytes, or from the `chain_anchor` hash once older rows were pruned.
extension AuditStoredRow {
    static let chainVersion: UInt8 = 1

    static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// The lowercase hex row hash of this row chained after `previous` (32 raw bytes).
    func chainHash(previous: [UInt8]) -> String {
        var encoder = CanonicalEncoder()
        // Bodies dominate the encoding; one reservation avoids a doubling series of copies.
        encoder.bytes.reserveCapacity(1_024 + requestBody.count + responseBody.count)
        encoder.bytes.append(Self.chainVersion)
        encoder.append(seq)
        for value in contentValues {
            encoder.append(value)
        }
        var hasher = SHA256()
        hasher.update(previous)
        hasher.update(encoder.bytes)
        return hasher.finish().hexString
    }

    /// `hex` as raw bytes, or nil when it is not 64 hex digits.
    static func rawHash(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else {
            return nil
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}

/// Builds the byte string hashed into the chain; every value is self-delimiting.
private struct CanonicalEncoder {
    var bytes: [UInt8] = []

    /// Appends a tag byte, then the value (integers as 8 big-endian bytes, text and blobs length-prefixed).
    mutating func append(_ value: SQLiteValue) {
        switch value {
        case .null:
            bytes.append(0)
        case .integer(let number):
            bytes.append(1)
            append(number)
        case .text(let text):
            bytes.append(2)
            appendLengthPrefixed(text.utf8)
        case .blob(let blob):
            bytes.append(3)
            appendLengthPrefixed(blob)
        }
    }

    /// Appends `number` as 8 big-endian bytes.
    mutating func append(_ number: Int64) {
        withUnsafeBytes(of: number.bigEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func appendLengthPrefixed<Content: Collection<UInt8>>(_ content: Content) {
        append(Int64(content.count))
        bytes.append(contentsOf: content)
    }
}
