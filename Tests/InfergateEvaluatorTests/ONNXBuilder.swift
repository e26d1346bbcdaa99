@testable import InfergateEvaluator

/// Writes protocol-buffer wire format, to hand-build messages and small ONNX models in tests.
struct ProtobufWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func key(_ field: Int, _ wireType: Int) { varint(UInt64(field << 3 | wireType)) }

    mutating func int(_ field: Int, _ value: Int) {
        key(field, 0)
        varint(UInt64(bitPattern: Int64(value)))
    }

    mutating func fixed32(_ field: Int, _ value: UInt32) {
        key(field, 5)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        key(field, 1)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func data(_ field: Int, _ payload: [UInt8]) {
        key(field, 2)
        varint(UInt64(payload.count))
        bytes += payload
    }

    mutating func string(_ field: Int, _ text: String) { data(field, Array(text.utf8)) }

    mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var child = ProtobufWriter()
        build(&child)
        data(field, child.bytes)
    }

    mutating func packedInts(_ field: Int, _ values: [Int]) {
        var child = ProtobufWriter()
        for value in values { child.varint(UInt64(bitPattern: Int64(value))) }
        data(field, child.bytes)
    }

    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        data(
            field,
            values.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> UInt32(8 * $0)) } })
    }
}

/// Builds small ONNX models (opset 17 by default) for loader, executor and error tests.
struct ONNXBuilder {
    enum Attribute {
        case int(Int)
        case float(Float)
        case ints([Int])
        case floats([Float])
        case string(String)
        case strings([String])
    }

    var opset = 17
    private var nodes: [(String, [String], [String], [String: Attribute])] = []
    private var initializers: [(String, [Int], Int, [Float], [Int])] = []
    private var inputs: [(String, [Int?], Int)] = []
    private var outputs: [String] = []

    mutating func input(_ name: String, shape: [Int?], type: Int = 1) { inputs.append((name, shape, type)) }

    mutating func output(_ name: String) { outputs.append(name) }

    mutating func floats(_ name: String, _ shape: [Int], _ values: [Float]) {
        initializers.append((name, shape, 1, values, []))
    }

    mutating func ints(_ name: String, _ shape: [Int], _ values: [Int]) {
        initializers.append((name, shape, 7, [], values))
    }

    mutating func raw(_ name: String, _ shape: [Int], type: Int) { initializers.append((name, shape, type, [], [])) }

    mutating func node(_ op: String, _ inputs: [String], _ outputs: [String], _ attributes: [String: Attribute] = [:]) {
        nodes.append((op, inputs, outputs, attributes))
    }

    func bytes() -> [UInt8] {
        var model = ProtobufWriter()
        model.int(1, 8)
        model.string(2, "tests")
        model.message(7) { graph in
            for (op, ins, outs, attributes) in nodes {
                graph.message(1) { node in
                    ins.forEach { node.string(1, $0) }
                    outs.forEach { node.string(2, $0) }
                    node.string(4, op)
                    for (name, value) in attributes.sorted(by: { $0.key < $1.key }) {
                        node.message(5) { Self.write(name, value, into: &$0) }
                    }
                }
            }
            graph.string(2, "g")
            for (name, shape, type, values, ints) in initializers {
                graph.message(5) { tensor in
                    tensor.packedInts(1, shape)
                    tensor.int(2, type)
                    tensor.string(8, name)
                    if type == 1 { tensor.packedFloats(4, values) }
                    if type == 7 { tensor.packedInts(7, ints) }
                    if type == 11 { tensor.data(9, [UInt8](repeating: 0, count: 8 * shape.reduce(1, *))) }
                }
            }
            for (name, shape, type) in inputs {
                graph.message(11) { Self.writeValueInfo(name, shape: shape, type: type, into: &$0) }
            }
            for name in outputs {
                graph.message(12) { Self.writeValueInfo(name, shape: nil, type: 1, into: &$0) }
            }
        }
        model.message(8) { $0.int(2, opset) }
        return model.bytes
    }

    private static func writeValueInfo(_ name: String, shape: [Int?]?, type: Int, into info: inout ProtobufWriter) {
        info.string(1, name)
        info.message(2) { typeProto in
            typeProto.message(1) { tensor in
                tensor.int(1, type)
                guard let shape else { return }
                tensor.message(2) { shapeProto in
                    for dim in shape {
                        shapeProto.message(1) { if let dim { $0.int(1, dim) } else { $0.string(2, "N") } }
                    }
                }
            }
        }
    }

    private static func write(_ name: String, _ value: Attribute, into attribute: inout ProtobufWriter) {
        attribute.string(1, name)
        switch value {
        case .int(let v):
            attribute.int(3, v)
            attribute.int(20, 2)
        case .float(let v):
            attribute.fixed32(2, v.bitPattern)
            attribute.int(20, 1)
        case .ints(let v):
            attribute.packedInts(8, v)
            attribute.int(20, 7)
        case .floats(let v):
            attribute.packedFloats(7, v)
            attribute.int(20, 6)
        case .string(let v):
            attribute.string(4, v)
            attribute.int(20, 3)
        case .strings(let v):
            v.forEach { attribute.string(9, $0) }
            attribute.int(20, 8)
        }
    }
}
