/// A dense row-major float32 tensor, the evaluator's public input and output value.
///
/// `data.count` equals the product of `shape` (1 for a scalar with an empty shape). Integer inputs such as
/// token ids travel as floats; the graph casts them where it needs indices.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    /// A tensor; `data.count` must equal the product of `shape` (a programmer error otherwise).
    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "tensor data does not match its shape")
        self.shape = shape
        self.data = data
    }
}

/// The element types the executor computes with: float32 for values, int64 for indices and shapes.
enum ElementType: Sendable, Equatable {
    case float
    case int64

    /// Maps an ONNX `TensorProto.DataType` number, or nil when the evaluator does not compute with it.
    init?(onnxCode: Int) {
        switch onnxCode {
        case 1: self = .float
        case 6, 7: self = .int64
        default: return nil
        }
    }
}

/// An intermediate tensor inside the executor: float32 or int64 storage, row-major.
///
/// Exactly one of `floats` and `ints` is in use, chosen by `type`; the other stays empty.
struct Value: Sendable {
    var shape: [Int]
    var type: ElementType
    var floats: [Float]
    var ints: [Int64]

    /// A float32 value.
    init(shape: [Int], floats: [Float]) {
        self.shape = shape
        self.type = .float
        self.floats = floats
        self.ints = []
    }

    /// An int64 value.
    init(shape: [Int], ints: [Int64]) {
        self.shape = shape
        self.type = .int64
        self.floats = []
        self.ints = ints
    }

    var count: Int { shape.reduce(1, *) }

    /// The elements as Int, for shape-like inputs (axes, split sizes, target shapes).
    var intList: [Int] { type == .int64 ? ints.map { Int($0) } : floats.map { Int($0) } }
}
