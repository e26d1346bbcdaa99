/// One supported ONNX operator with its attributes already parsed and checked.
///
/// Built once at load by `Operator.compile(_:opset:)`; anything the executor cannot honour (an unknown
/// operator, an unexpected attribute value, a non-default domain) is rejected there, naming the node.
enum Operator: Sendable {
    case cast(to: ElementType)
    case gather(axis: Int)
    case transpose(perm: [Int]?)
    case lstm(LSTMAttributes)
    case squeeze(axes: [Int]?)
    case unsqueeze(axes: [Int]?)
    case gemm(alpha: Float, beta: Float, transA: Bool, transB: Bool)
    case matMul
    case conv(ConvAttributes)
    case unary(UnaryKind)
    case binary(BinaryKind)
    case clip(min: Float?, max: Float?)
    case softmax(axis: Int)
    case reduceMax(axes: [Int]?, keepDims: Bool)
    case concat(axis: Int)
    case split(axis: Int, sizes: [Int]?)
    case reshape(allowZero: Bool)
    case flatten(axis: Int)

    /// Element-wise functions of one input.
    enum UnaryKind: Sendable { case relu, sigmoid, tanh, exp, log, identity }

    /// Element-wise functions of two inputs with numpy broadcasting.
    enum BinaryKind: Sendable { case add, sub, mul, div }

    /// Parses and checks one node's operator and attributes for the model's default-domain opset.
    static func compile(_ node: ONNXNode, opset: Int) throws(EvaluatorError) -> Operator {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw .unsupported("unsupported_operator", node: node.label, "domain \(node.domain) is not supported")
        }
        let attributes = AttributeReader(node: node)
        switch node.opType {
        case "Cast":
            let code = try attributes.requiredInt("to")
            guard let type = ElementType(onnxCode: code) else {
                throw .unsupported("unsupported_data_type", node: node.label, "Cast to data type \(code)")
            }
            return .cast(to: type)
        case "Gather": return .gather(axis: attributes.int("axis") ?? 0)
        case "Transpose": return .transpose(perm: attributes.ints("perm"))
        case "LSTM": return .lstm(try LSTMAttributes(attributes))
        case "Squeeze": return .squeeze(axes: opset < 13 ? attributes.ints("axes") : nil)
        case "Unsqueeze": return .unsqueeze(axes: opset < 13 ? try attributes.requiredInts("axes") : nil)
        case "Gemm":
            return .gemm(
                alpha: attributes.float("alpha") ?? 1,
                beta: attributes.float("beta") ?? 1,
                transA: attributes.int("transA") ?? 0 != 0,
                transB: attributes.int("transB") ?? 0 != 0)
        case "MatMul": return .matMul
        case "Conv": return .conv(try ConvAttributes(attributes))
        case "Relu": return .unary(.relu)
        case "Sigmoid": return .unary(.sigmoid)
        case "Tanh": return .unary(.tanh)
        case "Exp": return .unary(.exp)
        case "Log": return .unary(.log)
        case "Identity": return .unary(.identity)
        case "Add": return .binary(.add)
        case "Sub": return .binary(.sub)
        case "Mul": return .binary(.mul)
        case "Div": return .binary(.div)
        case "Clip":
            return .clip(
                min: opset < 11 ? attributes.float("min") : nil, max: opset < 11 ? attributes.float("max") : nil)
        case "Softmax": return .softmax(axis: attributes.int("axis") ?? (opset < 13 ? 1 : -1))
        case "ReduceMax":
            return .reduceMax(
                axes: opset < 18 ? attributes.ints("axes") : nil, keepDims: attributes.int("keepdims") ?? 1 != 0)
        case "Concat": return .concat(axis: try attributes.requiredInt("axis"))
        case "Split":
            return .split(axis: attributes.int("axis") ?? 0, sizes: opset < 13 ? attributes.ints("split") : nil)
        case "Reshape": return .reshape(allowZero: attributes.int("allowzero") ?? 0 != 0)
        case "Flatten": return .flatten(axis: attributes.int("axis") ?? 1)
        default:
            throw .unsupported("unsupported_operator", node: node.label, "operator \(node.opType) is not supported")
        }
    }
}

/// Typed access to a node's attributes, with errors that name the node and attribute.
struct AttributeReader {
    let node: ONNXNode

    func int(_ name: String) -> Int? { node.attributes[name]?.int }

    func float(_ name: String) -> Float? { node.attributes[name]?.float }

    func string(_ name: String) -> String? { node.attributes[name]?.string }

    func ints(_ name: String) -> [Int]? { node.attributes[name].map { $0.ints.map { Int($0) } } }

    func floats(_ name: String) -> [Float]? { node.attributes[name]?.floats }

    func strings(_ name: String) -> [String]? { node.attributes[name]?.strings }

    /// The attribute, or `unsupported_attribute` when it is missing.
    func requiredInt(_ name: String) throws(EvaluatorError) -> Int {
        guard let value = int(name) else {
            throw .unsupported("unsupported_attribute", node: node.label, "required attribute \(name) is missing")
        }
        return value
    }

    /// The attribute, or `unsupported_attribute` when it is missing.
    func requiredInts(_ name: String) throws(EvaluatorError) -> [Int] {
        guard let value = ints(name) else {
            throw .unsupported("unsupported_attribute", node: node.label, "required attribute \(name) is missing")
        }
        return value
    }

    /// An `unsupported_attribute` error naming this node.
    func unsupported(_ message: String) -> EvaluatorError {
        .unsupported("unsupported_attribute", node: node.label, message)
    }
}
