/// Writes floats the way the Wallaroo engine (Rust, serde_json with ryu) does: the shortest digits that
/// round-trip, laid out as `0.0015195814`, `28.0`, `3.0770573e-7` or `1.7933434e-26`.
///
/// Pandas-records outputs print the float32 value; the legacy format prints it widened to float64, as the
/// recorded edge responses do (`0.9829147458076477`). Non-finite values become `null`, as serde_json does.
enum FloatText {
    /// Appends a float32 value's shortest round-trip text.
    static func append(_ value: Float, to output: inout [UInt8]) {
        guard value.isFinite else {
            output.append(contentsOf: "null".utf8)
            return
        }
        if value == value.rounded(), abs(value) < 1e7 {
            appendIntegral(Int(value), negativeZero: value.sign == .minus, to: &output)
            return
        }
        layout(value.description, maximumIntegerDigits: 13, to: &output)
    }

    /// Appends a float64 value's shortest round-trip text.
    static func append(_ value: Double, to output: inout [UInt8]) {
        guard value.isFinite else {
            output.append(contentsOf: "null".utf8)
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            appendIntegral(Int(value), negativeZero: value.sign == .minus, to: &output)
            return
        }
        layout(value.description, maximumIntegerDigits: 16, to: &output)
    }

    /// Appends a decimal integer (no fraction).
    static func appendInteger<T: BinaryInteger>(_ value: T, to output: inout [UInt8]) {
        output.append(contentsOf: String(value).utf8)
    }

    private static func appendIntegral(_ value: Int, negativeZero: Bool, to output: inout [UInt8]) {
        if value == 0 && negativeZero {
            output.append(UInt8(ascii: "-"))
        }
        appendInteger(value, to: &output)
        output.append(contentsOf: ".0".utf8)
    }

    /// Re-lays Swift's shortest representation (`1.2345e-05`, `0.001`, `1e+16`) in the engine's layout.
    private static func layout(_ text: String, maximumIntegerDigits: Int, to output: inout [UInt8]) {
        var digits: [UInt8] = []
        var pointPosition: Int?
        var exponent = 0
        var isNegative = false
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "-") {
            isNegative = true
            bytes = bytes.dropFirst()
        }
        if let e = bytes.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            exponent = Int(String(decoding: bytes[(e + 1)...], as: UTF8.self).replacingPlus()) ?? 0
            bytes = bytes[..<e]
        }
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                pointPosition = digits.count
            } else {
                digits.append(byte)
            }
        }
        // value = 0.d1d2...dn × 10^kk once leading zeros are gone.
        var kk = (pointPosition ?? digits.count) + exponent
        while digits.count > 1, digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            kk -= 1
        }
        while digits.count > 1, digits.last == UInt8(ascii: "0") {
            digits.removeLast()
        }
        if isNegative {
            output.append(UInt8(ascii: "-"))
        }
        let length = digits.count
        if length <= kk && kk <= maximumIntegerDigits {
            output.append(contentsOf: digits)
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: kk - length))
            output.append(contentsOf: ".0".utf8)
        } else if 0 < kk && kk <= maximumIntegerDigits {
            output.append(contentsOf: digits[..<kk])
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: digits[kk...])
        } else if -5 < kk && kk <= 0 {
            output.append(contentsOf: "0.".utf8)
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -kk))
            output.append(contentsOf: digits)
        } else {
            output.append(digits[0])
            if length > 1 {
                output.append(UInt8(ascii: "."))
                output.append(contentsOf: digits[1...])
            }
            output.append(UInt8(ascii: "e"))
            appendInteger(kk - 1, to: &output)
        }
    }
}

extension String {
    fileprivate func replacingPlus() -> String { hasPrefix("+") ? String(dropFirst()) : self }
}
