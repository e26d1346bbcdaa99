/// A minimal JSON reader for request bodies: objects, arrays of numbers, strings, and skipping the rest.
///
/// It exists because decoding 25k rows through JSONSerialization builds millions of NSNumber objects;
/// this reads numbers straight into floats. Errors are plain messages; the codec adds the row.
struct JSONScanner {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { position >= bytes.count }

    /// The next non-whitespace byte, without consuming it (nil at the end).
    mutating func peek() -> UInt8? {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return bytes[position]
            }
        }
        return nil
    }

    /// Consumes `byte` if it comes next.
    mutating func consume(_ byte: Unicode.Scalar) -> Bool {
        guard peek() == UInt8(ascii: byte) else { return false }
        position += 1
        return true
    }

    /// Consumes `byte` or throws `invalid_input` naming the byte offset.
    mutating func expect(_ byte: Unicode.Scalar) throws(EvaluatorError) {
        guard consume(byte) else {
            throw .invalidInput("malformed JSON: expected '\(byte)' at byte \(position)")
        }
    }

    /// Reads a string, resolving the common escapes (`\"`, `\\`, `\/`, `\n`, `\t`, `\uXXXX` in the BMP).
    mutating func readString() throws(EvaluatorError) -> String {
        try expect("\"")
        var text: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") {
                return String(decoding: text, as: UTF8.self)
            }
            guard byte == UInt8(ascii: "\\") else {
                text.append(byte)
                continue
            }
            guard position < bytes.count else { break }
            let escaped = bytes[position]
            position += 1
            switch escaped {
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "u"):
                guard position + 4 <= bytes.count,
                    let code = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16),
                    let scalar = Unicode.Scalar(code)
                else { throw .invalidInput("malformed JSON: bad \\u escape at byte \(position)") }
                text.append(contentsOf: String(scalar).utf8)
                position += 4
            default: text.append(escaped)
            }
        }
        throw .invalidInput("malformed JSON: unterminated string")
    }

    /// Reads a number as float32; nil (nothing consumed) when the next value is not a number.
    mutating func readNumber() -> Float? {
        guard let first = peek(), first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else {
            return nil
        }
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        var integer: Int64 = 0
        var digitCount = 0
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39, digitCount < 18 {
            integer = integer * 10 + Int64(bytes[position] - 0x30)
            position += 1
            digitCount += 1
        }
        let isPlainInteger = digitCount > 0 && (position >= bytes.count || !Self.continuesNumber(bytes[position]))
        if isPlainInteger {
            return Float(negative ? -integer : integer)
        }
        // Fractions and exponents go through the standard library's correctly rounded parser.
        while position < bytes.count, Self.continuesNumber(bytes[position]) {
            position += 1
        }
        guard let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else {
            position = start
            return nil
        }
        return Float(value)
    }

    private static func continuesNumber(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
            || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    /// A short description of the value that starts here, for error messages.
    mutating func describeNext() -> String {
        guard peek() != nil else { return "end of input" }
        let end = min(bytes.count, position + 12)
        return "'" + String(decoding: bytes[position..<end], as: UTF8.self) + "'"
    }
}
