import Foundation

/// The reference implementations of every supported operator, as pure functions of their input values.
///
/// Written for clarity and exactness first (float32 throughout, float accumulation in the obvious order);
/// only Gemm, MatMul and the LSTM recurrence use OpenBLAS. Shape errors throw `evaluation_failed` naming the
/// node; absent optional inputs arrive as nil.
enum Kernels {
    /// Runs one operator and returns its outputs in ONNX order.
    static func run(_ op: Operator, _ inputs: [Value?], outputCount: Int, label: String) throws(EvaluatorError)
        -> [Value]
    {
        let context = KernelContext(label: label, inputs: inputs)
        switch op {
        case .cast(let type): return [cast(try context.input(0), to: type)]
        case .gather(let axis): return [try gather(context, axis: axis)]
        case .transpose(let perm): return [try transpose(context, perm: perm)]
        case .lstm(let attributes): return try lstm(context, attributes)
        case .squeeze(let axes): return [try squeeze(context, axes: axes)]
        case .unsqueeze(let axes): return [try unsqueeze(context, axes: axes)]
        case .gemm(let alpha, let beta, let transA, let transB):
            return [try gemm(context, alpha: alpha, beta: beta, transA: transA, transB: transB)]
        case .matMul: return [try matMul(context)]
        case .conv(let attributes): return [try conv(context, attributes)]
        case .unary(let kind): return [try unary(context, kind)]
        case .binary(let kind): return [try binary(context, kind)]
        case .clip(let low, let high): return [try clip(context, min: low, max: high)]
        case .softmax(let axis): return [try softmax(context, axis: axis)]
        case .reduceMax(let axes, let keepDims): return [try reduceMax(context, axes: axes, keepDims: keepDims)]
        case .concat(let axis): return [try concat(context, axis: axis)]
        case .split(let axis, let sizes): return try split(context, axis: axis, sizes: sizes, count: outputCount)
        case .reshape(let allowZero): return [try reshape(context, allowZero: allowZero)]
        case .flatten(let axis): return [try flatten(context, axis: axis)]
        }
    }
}

/// A node's inputs plus its label, with accessors that throw errors naming the node.
struct KernelContext {
    let label: String
    let inputs: [Value?]

    /// The required input at `index`.
    func input(_ index: Int) throws(EvaluatorError) -> Value {
        guard index < inputs.count, let value = inputs[index] else {
            throw fail("input \(index) is missing")
        }
        return value
    }

    /// The optional input at `index`, nil when absent.
    func optional(_ index: Int) -> Value? {
        index < inputs.count ? inputs[index] : nil
    }

    /// The required input at `index`, which must be float32.
    func floats(_ index: Int) throws(EvaluatorError) -> Value {
        let value = try input(index)
        guard value.type == .float else {
            throw fail("input \(index) must be float32")
        }
        return value
    }

    /// An `evaluation_failed` error naming this node.
    func fail(_ message: String) -> EvaluatorError {
        .evaluation(node: label, message)
    }

    /// Resolves a possibly negative axis against a rank.
    func axis(_ axis: Int, rank: Int) throws(EvaluatorError) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < max(rank, 1) else {
            throw fail("axis \(axis) is out of range for rank \(rank)")
        }
        return resolved
    }
}

/// Row-major stride helpers shared by the kernels.
enum Shape {
    /// Row-major strides in elements.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for index in shape.indices.reversed() {
            strides[index] = running
            running *= shape[index]
        }
        return strides
    }

    /// The numpy broadcast of two shapes, or nil when they are incompatible.
    static func broadcast(_ lhs: [Int], _ rhs: [Int]) -> [Int]? {
        let rank = max(lhs.count, rhs.count)
        let left = [Int](repeating: 1, count: rank - lhs.count) + lhs
        let right = [Int](repeating: 1, count: rank - rhs.count) + rhs
        var result: [Int] = []
        for (a, b) in zip(left, right) {
            guard a == b || a == 1 || b == 1 else { return nil }
            result.append(a == 1 ? b : a)
        }
        return result
    }

    /// Strides of `shape` seen through the broadcast `target` (0 on broadcast dimensions).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: target.count - shape.count) + shape
        let strides = Self.strides(padded)
        return zip(padded, strides).map { $0 == 1 ? 0 : $1 }
    }
}
