import Foundation

/// Element-wise and reduction operators: Relu, Sigmoid, Tanh, Exp, Log, Identity, Add, Sub, Mul, Div,
/// Clip, Softmax, ReduceMax.
extension Kernels {
    /// Relu, Sigmoid, Tanh, Exp, Log or Identity, element by element.
    static func unary(_ context: KernelContext, _ kind: Operator.UnaryKind) throws(EvaluatorError) -> Value {
        if kind == .identity {
            return try context.input(0)
        }
        var data = try context.floats(0)
        switch kind {
        case .relu: data.floats = data.floats.map { max($0, 0) }
        case .sigmoid: data.floats = data.floats.map(sigmoid)
        case .tanh: data.floats = data.floats.map { $0.hyperbolicTangent }
        case .exp: data.floats = data.floats.map { $0.exponential }
        case .log: data.floats = data.floats.map { $0.logarithm }
        case .identity: break
        }
        return data
    }

    /// The logistic function, written to stay finite for large negative inputs.
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 {
            return 1 / (1 + (-x).exponential)
        }
        let e = x.exponential
        return e / (1 + e)
    }

    /// Add, Sub, Mul or Div with numpy broadcasting.
    static func binary(_ context: KernelContext, _ kind: Operator.BinaryKind) throws(EvaluatorError) -> Value {
        let lhs = try context.floats(0)
        let rhs = try context.floats(1)
        guard let shape = Shape.broadcast(lhs.shape, rhs.shape) else {
            throw context.fail("shapes \(lhs.shape) and \(rhs.shape) do not broadcast")
        }
        let function: (Float, Float) -> Float
        switch kind {
        case .add: function = (+)
        case .sub: function = (-)
        case .mul: function = (*)
        case .div: function = (/)
        }
        if lhs.shape == rhs.shape {
            return Value(shape: shape, floats: zip(lhs.floats, rhs.floats).map(function))
        }
        let lhsStrides = Shape.broadcastStrides(lhs.shape, to: shape)
        let rhsStrides = Shape.broadcastStrides(rhs.shape, to: shape)
        let count = shape.reduce(1, *)
        var result = [Float](repeating: 0, count: count)
        var counter = [Int](repeating: 0, count: shape.count)
        var left = 0
        var right = 0
        for slot in 0..<count {
            result[slot] = function(lhs.floats[left], rhs.floats[right])
            var dim = shape.count - 1
            while dim >= 0 {
                counter[dim] += 1
                left += lhsStrides[dim]
                right += rhsStrides[dim]
                if counter[dim] < shape[dim] {
                    break
                }
                left -= lhsStrides[dim] * shape[dim]
                right -= rhsStrides[dim] * shape[dim]
                counter[dim] = 0
                dim -= 1
            }
        }
        return Value(shape: shape, floats: result)
    }

    /// Clip with bounds from attributes (opset < 11) or optional inputs.
    static func clip(_ context: KernelContext, min low: Float?, max high: Float?) throws(EvaluatorError) -> Value {
        var data = try context.floats(0)
        let low = low ?? context.optional(1)?.floats.first ?? -.greatestFiniteMagnitude
        let high = high ?? context.optional(2)?.floats.first ?? .greatestFiniteMagnitude
        data.floats = data.floats.map { Swift.min(Swift.max($0, low), high) }
        return data
    }

    /// Softmax along one axis, shifted by the maximum for stability.
    static func softmax(_ context: KernelContext, axis: Int) throws(EvaluatorError) -> Value {
        var data = try context.floats(0)
        let axis = try context.axis(axis, rank: data.shape.count)
        let extent = data.shape.isEmpty ? 1 : data.shape[axis]
        let inner = data.shape.isEmpty ? 1 : data.shape[(axis + 1)...].reduce(1, *)
        let outer = data.count / Swift.max(extent * inner, 1)
        for block in 0..<outer {
            for lane in 0..<inner {
                let base = block * extent * inner + lane
                var peak = -Float.infinity
                for index in 0..<extent {
                    peak = Swift.max(peak, data.floats[base + index * inner])
                }
                var total: Float = 0
                for index in 0..<extent {
                    let e = (data.floats[base + index * inner] - peak).exponential
                    data.floats[base + index * inner] = e
                    total += e
                }
                for index in 0..<extent {
                    data.floats[base + index * inner] /= total
                }
            }
        }
        return data
    }

    /// ReduceMax over the listed axes (all when none), keeping them as 1s when asked.
    static func reduceMax(_ context: KernelContext, axes: [Int]?, keepDims: Bool) throws(EvaluatorError) -> Value {
        let data = try context.floats(0)
        let rank = data.shape.count
        let listed = axesArgument(context, axes) ?? []
        var reduced = Set<Int>()
        for axis in listed.isEmpty ? Array(0..<rank) : listed {
            reduced.insert(try context.axis(axis, rank: rank))
        }
        let keptShape = data.shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
        let keptStrides = Shape.strides(keptShape)
        var result = [Float](repeating: -.infinity, count: keptShape.reduce(1, *))
        var counter = [Int](repeating: 0, count: rank)
        for slot in 0..<data.count {
            var target = 0
            for dim in 0..<rank where !reduced.contains(dim) {
                target += counter[dim] * keptStrides[dim]
            }
            result[target] = Swift.max(result[target], data.floats[slot])
            var dim = rank - 1
            while dim >= 0 {
                counter[dim] += 1
                if counter[dim] < data.shape[dim] {
                    break
                }
                counter[dim] = 0
                dim -= 1
            }
        }
        let shape =
            keepDims ? keptShape : data.shape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
        return Value(shape: shape, floats: result)
    }
}
