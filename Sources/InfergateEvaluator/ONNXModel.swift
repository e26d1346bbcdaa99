/// The parts of an ONNX `ModelProto` the evaluator uses, decoded from protobuf bytes.
///
/// Unknown fields are skipped as protobuf requires; fields the evaluator cannot honour (external data,
/// sparse initializers, subgraph attributes) are kept as markers so the executor can refuse them by name.
struct ONNXModel: Sendable {
    var irVersion: Int = 0
    var producerName: String = ""
    var opsetVersion: Int = 0
    var graph = ONNXGraph()

    /// Decodes a whole model file.
    static func parse(_ bytes: [UInt8]) throws(EvaluatorError) -> ONNXModel {
        var reader = ProtobufReader(bytes: bytes)
        var model = ONNXModel()
        var sawGraph = false
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readKey()
            switch (field, wireType) {
            case (1, .varint): model.irVersion = try reader.readInt()
            case (2, .lengthDelimited): model.producerName = try reader.readString()
            case (7, .lengthDelimited):
                var child = try reader.readMessage()
                model.graph = try ONNXGraph.parse(&child)
                sawGraph = true
            case (8, .lengthDelimited):
                var child = try reader.readMessage()
                let (domain, version) = try parseOpset(&child)
                if domain.isEmpty || domain == "ai.onnx" {
                    model.opsetVersion = version
                }
            default: try reader.skip(wireType)
            }
        }
        guard sawGraph else {
            throw .corrupt("onnx: the file holds no graph (not an ONNX model?)")
        }
        return model
    }

    private static func parseOpset(_ reader: inout ProtobufReader) throws(EvaluatorError) -> (String, Int) {
        var domain = ""
        var version = 0
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readKey()
            switch (field, wireType) {
            case (1, .lengthDelimited): domain = try reader.readString()
            case (2, .varint): version = try reader.readInt()
            default: try reader.skip(wireType)
            }
        }
        return (domain, version)
    }
}

/// An ONNX `GraphProto`: nodes in topological order, initializers, and declared inputs and outputs.
struct ONNXGraph: Sendable {
    var name = ""
    var nodes: [ONNXNode] = []
    var initializers: [ONNXTensor] = []
    var inputs: [ONNXValueInfo] = []
    var outputs: [ONNXValueInfo] = []
    var hasSparseInitializers = false

    /// Decodes a GraphProto; subgraphs and unknown fields are skipped.
    static func parse(_ reader: inout ProtobufReader) throws(EvaluatorError) -> ONNXGraph {
        var graph = ONNXGraph()
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readKey()
            guard wireType == .lengthDelimited else {
                try reader.skip(wireType)
                continue
            }
            if field == 2 {
                graph.name = try reader.readString()
                continue
            }
            var child = try reader.readMessage()
            switch field {
            case 1: graph.nodes.append(try ONNXNode.parse(&child))
            case 5: graph.initializers.append(try ONNXTensor.parse(&child))
            case 11: graph.inputs.append(try ONNXValueInfo.parse(&child))
            case 12: graph.outputs.append(try ONNXValueInfo.parse(&child))
            case 15: graph.hasSparseInitializers = true
            default: break
            }
        }
        return graph
    }
}

/// An ONNX `NodeProto`: one operator application. Empty input or output names mean "absent".
struct ONNXNode: Sendable {
    var name = ""
    var opType = ""
    var domain = ""
    var inputs: [String] = []
    var outputs: [String] = []
    var attributes: [String: ONNXAttribute] = [:]

    /// The node's name, or a description from its type and first output when unnamed.
    var label: String { name.isEmpty ? "\(opType)(\(outputs.first ?? "?"))" : "\(name) (\(opType))" }

    /// Decodes a NodeProto.
    static func parse(_ reader: inout ProtobufReader) throws(EvaluatorError) -> ONNXNode {
        var node = ONNXNode()
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readKey()
            guard wireType == .lengthDelimited else {
                try reader.skip(wireType)
                continue
            }
            switch field {
            case 1: node.inputs.append(try reader.readString())
            case 2: node.outputs.append(try reader.readString())
            case 3: node.name = try reader.readString()
            case 4: node.opType = try reader.readString()
            case 7: node.domain = try reader.readString()
            case 5:
                var child = try reader.readMessage()
                let attribute = try ONNXAttribute.parse(&child)
                node.attributes[attribute.name] = attribute
            default: try reader.skip(wireType)
            }
        }
        return node
    }
}

/// An ONNX `ValueInfoProto` for a graph input or output: name, element type and shape (nil dims are symbolic).
struct ONNXValueInfo: Sendable {
    var name = ""
    var elementTypeCode = 0
    var shape: [Int?]?

    /// Decodes a ValueInfoProto (tensor types only).
    static func parse(_ reader: inout ProtobufReader) throws(EvaluatorError) -> ONNXValueInfo {
        var info = ONNXValueInfo()
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readKey()
            switch (field, wireType) {
            case (1, .lengthDelimited): info.name = try reader.readString()
            case (2, .lengthDelimited):
                var typeProto = try reader.readMessage()
                try parseType(&typeProto, into: &info)
            default: try reader.skip(wireType)
            }
        }
        return info
    }

    private static func parseType(_ reader: inout ProtobufReader, into info: inout ONNXValueInfo) throws(EvaluatorError)
    {
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readKey()
            guard field == 1, wireType == .lengthDelimited else {
                try reader.skip(wireType)
                continue
            }
            var tensorType = try reader.readMessage()
            while !tensorType.isAtEnd {
                let (inner, innerWire) = try tensorType.readKey()
                switch (inner, innerWire) {
                case (1, .varint): info.elementTypeCode = try tensorType.readInt()
                case (2, .lengthDelimited):
                    var shape = try tensorType.readMessage()
                    info.shape = try parseShape(&shape)
                default: try tensorType.skip(innerWire)
                }
            }
        }
    }

    private static func parseShape(_ reader: inout ProtobufReader) throws(EvaluatorError) -> [Int?] {
        var dims: [Int?] = []
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readKey()
            guard field == 1, wireType == .lengthDelimited else {
                try reader.skip(wireType)
                continue
            }
            var dim = try reader.readMessage()
            var value: Int?
            while !dim.isAtEnd {
                let (inner, innerWire) = try dim.readKey()
                if inner == 1, innerWire == .varint {
                    value = try dim.readInt()
                } else {
                    try dim.skip(innerWire)
                }
            }
            dims.append(value)
        }
        return dims
    }
}
