/// An ONNX `TensorProto` (an initializer or a tensor attribute), decoded to float32 or int64 values.
///
/// Data may arrive as `raw_data` (little-endian bytes) or as typed repeated fields (`float_data`,
/// `int32_data`, `int64_data`, packed or not). Types other than float32, int32 and int64, external data and
/// segmented tensors are load-time errors naming the tensor.
struct ONNXTensor: Sendable {
    var name = ""
    var dims: [Int] = []
    var dataTypeCode = 0
    var value = Value(shape: [], floats: [])

    /// Decodes a TensorProto and checks its data against its shape and type.
    static func parse(_ reader: inout ProtobufReader) throws(EvaluatorError) -> ONNXTensor {
        var tensor = ONNXTensor()
        var dims: [Int64] = []
        var floats: [Float] = []
        var ints: [Int64] = []
        var raw: ArraySlice<UInt8>?
        var isExternal = false
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readKey()
            switch (field, wireType) {
            case (1, _): try reader.readInt64s(wireType, into: &dims)
            case (2, .varint): tensor.dataTypeCode = try reader.readInt()
            case (4, _): try reader.readFloats(wireType, into: &floats)
            case (5, _), (7, _): try reader.readInt64s(wireType, into: &ints)
            case (8, .lengthDelimited): tensor.name = try reader.readString()
            case (9, .lengthDelimited): raw = try reader.readBytes()
            case (14, .varint): isExternal = try reader.readInt() == 1
            case (3, _):
                throw .corrupt("onnx: tensor \(tensor.name) is segmented, which is not supported")
            default: try reader.skip(wireType)
            }
        }
        guard !isExternal else {
            throw .unsupported("unsupported_data_type", node: tensor.name, "external tensor data is not supported")
        }
        guard dims.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
            throw .corrupt("onnx: tensor \(tensor.name) has an invalid dimension")
        }
        tensor.dims = dims.map { Int($0) }
        tensor.value = try decodeValue(tensor, floats: floats, ints: ints, raw: raw)
        return tensor
    }

    private static func decodeValue(
        _ tensor: ONNXTensor,
        floats: [Float],
        ints: [Int64],
        raw: ArraySlice<UInt8>?
    ) throws(EvaluatorError) -> Value {
        guard let type = ElementType(onnxCode: tensor.dataTypeCode) else {
            throw .unsupported(
                "unsupported_data_type", node: tensor.name, "data type \(tensor.dataTypeCode) is not supported")
        }
        var count = 1
        for dim in tensor.dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product < 1 << 31 else {
                throw .corrupt("onnx: tensor \(tensor.name) is too large")
            }
            count = product
        }
        switch type {
        case .float:
            let values = try raw.map { bytes throws(EvaluatorError) in try littleEndianFloats(bytes) } ?? floats
            guard values.count == count else {
                throw .corrupt("onnx: tensor \(tensor.name) holds \(values.count) floats, its shape needs \(count)")
            }
            return Value(shape: tensor.dims, floats: values)
        case .int64:
            let width = tensor.dataTypeCode == 7 ? 8 : 4
            let values =
                try raw.map { bytes throws(EvaluatorError) in try littleEndianInts(bytes, width: width) } ?? ints
            guard values.count == count else {
                throw .corrupt("onnx: tensor \(tensor.name) holds \(values.count) integers, its shape needs \(count)")
            }
            return Value(shape: tensor.dims, ints: values)
        }
    }

    private static func littleEndianFloats(_ bytes: ArraySlice<UInt8>) throws(EvaluatorError) -> [Float] {
        guard bytes.count % 4 == 0 else {
            throw .corrupt("onnx: float raw_data is not a multiple of 4 bytes")
        }
        var result = [Float](repeating: 0, count: bytes.count / 4)
        var index = bytes.startIndex
        for slot in result.indices {
            let bits =
                UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
            result[slot] = Float(bitPattern: bits)
            index += 4
        }
        return result
    }

    private static func littleEndianInts(_ bytes: ArraySlice<UInt8>, width: Int) throws(EvaluatorError) -> [Int64] {
        guard bytes.count % width == 0 else {
            throw .corrupt("onnx: integer raw_data is not a multiple of \(width) bytes")
        }
        var result: [Int64] = []
        result.reserveCapacity(bytes.count / width)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            var bits: UInt64 = 0
            for byte in 0..<width {
                bits |= UInt64(bytes[index + byte]) << (8 * UInt64(byte))
            }
            result.append(width == 8 ? Int64(bitPattern: bits) : Int64(Int32(truncatingIfNeeded: bits)))
            index += width
        }
        return result
    }
}

/// An ONNX `AttributeProto`: a named constant parameter of a node.
struct ONNXAttribute: Sendable {
    var name = ""
    var typeCode = 0
    var float: Float?
    var int: Int?
    var string: String?
    var tensor: ONNXTensor?
    var floats: [Float] = []
    var ints: [Int64] = []
    var strings: [String] = []
    var hasGraph = false

    /// Decodes an AttributeProto; graph-valued attributes are only flagged.
    static func parse(_ reader: inout ProtobufReader) throws(EvaluatorError) -> ONNXAttribute {
        var attribute = ONNXAttribute()
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readKey()
            switch (field, wireType) {
            case (1, .lengthDelimited): attribute.name = try reader.readString()
            case (20, .varint): attribute.typeCode = try reader.readInt()
            case (2, .fixed32): attribute.float = Float(bitPattern: try reader.readFixed32())
            case (3, .varint): attribute.int = try reader.readInt()
            case (4, .lengthDelimited): attribute.string = try reader.readString()
            case (5, .lengthDelimited):
                var child = try reader.readMessage()
                attribute.tensor = try ONNXTensor.parse(&child)
            case (6, .lengthDelimited), (11, .lengthDelimited):
                attribute.hasGraph = true
                try reader.skip(wireType)
            case (7, _): try reader.readFloats(wireType, into: &attribute.floats)
            case (8, _): try reader.readInt64s(wireType, into: &attribute.ints)
            case (9, .lengthDelimited): attribute.strings.append(try reader.readString())
            default: try reader.skip(wireType)
            }
        }
        return attribute
    }
}
