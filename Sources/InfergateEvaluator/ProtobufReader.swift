/// A bounds-checked cursor over protocol-buffer wire-format bytes, enough to read ONNX files.
///
/// Every read checks the end of the current message and throws `model_load_failed` on truncated or
/// malformed input, so a corrupt file is an error, never a trap. Nested messages are read by a child
/// reader over a sub-range of the same byte array (no copies).
struct ProtobufReader {
    /// The four wire types protobuf 3 still writes (groups are rejected).
    enum WireType: Int {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    private let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    /// A reader over a whole buffer.
    init(bytes: [UInt8]) {
        self.init(bytes: bytes, range: 0..<bytes.count)
    }

    /// A reader over one nested message inside `bytes`.
    init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    var isAtEnd: Bool { position >= end }

    /// Reads a field key, returning the field number and wire type.
    mutating func readKey() throws(EvaluatorError) -> (field: Int, wireType: WireType) {
        let key = try readVarint()
        let field = Int(truncatingIfNeeded: key >> 3)
        guard field > 0, field < 1 << 29, let wireType = WireType(rawValue: Int(key & 7)) else {
            throw .corrupt("protobuf: invalid field key \(key) at byte \(position)")
        }
        return (field, wireType)
    }

    /// Reads a base-128 varint of at most ten bytes.
    mutating func readVarint() throws(EvaluatorError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else {
                throw .corrupt("protobuf: truncated varint at byte \(position)")
            }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 {
                throw .corrupt("protobuf: varint longer than 64 bits at byte \(position)")
            }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 {
                return result
            }
            shift += 7
        }
    }

    /// Reads a little-endian 32-bit value.
    mutating func readFixed32() throws(EvaluatorError) -> UInt32 {
        guard end - position >= 4 else {
            throw .corrupt("protobuf: truncated fixed32 at byte \(position)")
        }
        var value: UInt32 = 0
        for index in 0..<4 {
            value |= UInt32(bytes[position + index]) << (8 * UInt32(index))
        }
        position += 4
        return value
    }

    /// Reads a little-endian 64-bit value.
    mutating func readFixed64() throws(EvaluatorError) -> UInt64 {
        let low = try readFixed32()
        let high = try readFixed32()
        return UInt64(low) | UInt64(high) << 32
    }

    /// Reads a length prefix and returns the range of the payload, advancing past it.
    mutating func readLengthDelimited() throws(EvaluatorError) -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(end - position) else {
            throw .corrupt("protobuf: length \(length) runs past the end at byte \(position)")
        }
        let start = position
        position += Int(length)
        return start..<position
    }

    /// A reader over a nested message that follows.
    mutating func readMessage() throws(EvaluatorError) -> ProtobufReader {
        ProtobufReader(bytes: bytes, range: try readLengthDelimited())
    }

    /// Reads a length-delimited field as UTF-8 text (invalid sequences are repaired, not rejected).
    mutating func readString() throws(EvaluatorError) -> String {
        String(decoding: bytes[try readLengthDelimited()], as: UTF8.self)
    }

    /// Reads a length-delimited field as raw bytes.
    mutating func readBytes() throws(EvaluatorError) -> ArraySlice<UInt8> {
        bytes[try readLengthDelimited()]
    }

    /// Skips one field's payload of the given wire type.
    mutating func skip(_ wireType: WireType) throws(EvaluatorError) {
        switch wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .lengthDelimited: _ = try readLengthDelimited()
        case .fixed32: _ = try readFixed32()
        }
    }

    /// Appends a repeated varint field (packed or one element) as Int64.
    mutating func readInt64s(_ wireType: WireType, into values: inout [Int64]) throws(EvaluatorError) {
        guard wireType == .lengthDelimited else {
            values.append(Int64(bitPattern: try readVarint()))
            return
        }
        var packed = try readMessage()
        while !packed.isAtEnd {
            values.append(Int64(bitPattern: try packed.readVarint()))
        }
    }

    /// Appends a repeated float field (packed or one element).
    mutating func readFloats(_ wireType: WireType, into values: inout [Float]) throws(EvaluatorError) {
        guard wireType == .lengthDelimited else {
            values.append(Float(bitPattern: try readFixed32()))
            return
        }
        var packed = try readMessage()
        guard (packed.end - packed.position) % 4 == 0 else {
            throw .corrupt("protobuf: packed float field is not a multiple of 4 bytes")
        }
        while !packed.isAtEnd {
            values.append(Float(bitPattern: try packed.readFixed32()))
        }
    }

    /// Reads a single varint as Int, for enum and int32/int64 scalar fields.
    mutating func readInt() throws(EvaluatorError) -> Int {
        Int(truncatingIfNeeded: Int64(bitPattern: try readVarint()))
    }
}
