/// Data-movement operators: Cast, Gather, Transpose, Squeeze, Unsqueeze, Concat, Split, Reshape, Flatten.
extension Kernels {
    /// Converts between float32 and int64 storage.
    static func cast(_ value: Value, to type: ElementType) -> Value {
        switch (value.type, type) {
        case (.float, .int64):
            // ONNX Cast float→int truncates toward zero; saturate instead of trapping on huge values.
            return Value(shape: value.shape, ints: value.floats.map { Int64(exactly: $0.rounded(.towardZero)) ?? 0 })
        case (.int64, .float): return Value(shape: value.shape, floats: value.ints.map { Float($0) })
        default: return value
        }
    }

    /// A value with the same element type whose element `i` is `value[sources[i]]`.
    static func picking(_ value: Value, shape: [Int], sources: [Int]) -> Value {
        switch value.type {
        case .float: Value(shape: shape, floats: sources.map { value.floats[$0] })
        case .int64: Value(shape: shape, ints: sources.map { value.ints[$0] })
        }
    }

    /// Gather along `axis`; negative indices count from the end, others out of range throw.
    static func gather(_ context: KernelContext, axis: Int) throws(EvaluatorError) -> Value {
        let data = try context.input(0)
        let indices = try context.input(1)
        guard indices.type == .int64 else {
            throw context.fail("indices must be int64 or int32")
        }
        let axis = try context.axis(axis, rank: data.shape.count)
        let outer = data.shape[..<axis].reduce(1, *)
        let extent = data.shape[axis]
        let inner = data.shape[(axis + 1)...].reduce(1, *)
        var sources: [Int] = []
        sources.reserveCapacity(outer * indices.ints.count * inner)
        for block in 0..<outer {
            for raw in indices.ints {
                let index = raw < 0 ? Int(raw) + extent : Int(raw)
                guard index >= 0, index < extent else {
                    throw context.fail("index \(raw) is out of range 0..<\(extent)")
                }
                let base = (block * extent + index) * inner
                sources.append(contentsOf: base..<(base + inner))
            }
        }
        let shape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        return picking(data, shape: shape, sources: sources)
    }

    /// Permutes dimensions (reverses them when `perm` is absent).
    static func transpose(_ context: KernelContext, perm: [Int]?) throws(EvaluatorError) -> Value {
        let data = try context.input(0)
        let rank = data.shape.count
        let perm = perm ?? Array((0..<rank).reversed())
        guard perm.sorted() == Array(0..<rank) else {
            throw context.fail("perm \(perm) is not a permutation of the rank \(rank)")
        }
        let shape = perm.map { data.shape[$0] }
        let strides = Shape.strides(data.shape)
        let permutedStrides = perm.map { strides[$0] }
        var sources = [Int](repeating: 0, count: data.count)
        var counter = [Int](repeating: 0, count: rank)
        var source = 0
        for slot in 0..<data.count {
            sources[slot] = source
            var dim = rank - 1
            while dim >= 0 {
                counter[dim] += 1
                source += permutedStrides[dim]
                if counter[dim] < shape[dim] {
                    break
                }
                source -= permutedStrides[dim] * shape[dim]
                counter[dim] = 0
                dim -= 1
            }
        }
        return picking(data, shape: shape, sources: sources)
    }

    /// Axes from the attribute (older opsets) or the optional second input (newer ones).
    static func axesArgument(_ context: KernelContext, _ attribute: [Int]?) -> [Int]? {
        attribute ?? context.optional(1)?.intList
    }

    /// Removes size-1 dimensions: the listed ones, or all of them.
    static func squeeze(_ context: KernelContext, axes: [Int]?) throws(EvaluatorError) -> Value {
        var data = try context.input(0)
        let rank = data.shape.count
        guard let axes = axesArgument(context, axes) else {
            data.shape = data.shape.filter { $0 != 1 }
            return data
        }
        var resolved = Set<Int>()
        for axis in axes {
            let axis = try context.axis(axis, rank: rank)
            guard data.shape[axis] == 1 else {
                throw context.fail("cannot squeeze axis \(axis) of size \(data.shape[axis])")
            }
            resolved.insert(axis)
        }
        data.shape = data.shape.enumerated().filter { !resolved.contains($0.offset) }.map(\.element)
        return data
    }

    /// Inserts size-1 dimensions at the listed output positions.
    static func unsqueeze(_ context: KernelContext, axes: [Int]?) throws(EvaluatorError) -> Value {
        var data = try context.input(0)
        guard let axes = axesArgument(context, axes) else {
            throw context.fail("axes are missing")
        }
        let rank = data.shape.count + axes.count
        var shape = data.shape
        for axis in try axes.map({ axis throws(EvaluatorError) in try context.axis(axis, rank: rank) }).sorted() {
            shape.insert(1, at: min(axis, shape.count))
        }
        data.shape = shape
        return data
    }

    /// Joins inputs of equal rank and type along `axis`.
    static func concat(_ context: KernelContext, axis: Int) throws(EvaluatorError) -> Value {
        let parts = try context.inputs.indices.map { index throws(EvaluatorError) in try context.input(index) }
        let first = parts[0]
        let axis = try context.axis(axis, rank: first.shape.count)
        var shape = first.shape
        shape[axis] = 0
        for part in parts {
            var check = part.shape
            guard check.count == shape.count, part.type == first.type else {
                throw context.fail("inputs differ in rank or type")
            }
            shape[axis] += check[axis]
            check[axis] = shape[axis]
            guard check == shape else {
                throw context.fail("input shapes \(parts.map(\.shape)) do not match outside axis \(axis)")
            }
        }
        let outer = shape[..<axis].reduce(1, *)
        var floats: [Float] = []
        var ints: [Int64] = []
        for block in 0..<outer {
            for part in parts {
                let chunk = part.shape[axis...].reduce(1, *)
                let range = (block * chunk)..<((block + 1) * chunk)
                if first.type == .float {
                    floats.append(contentsOf: part.floats[range])
                } else {
                    ints.append(contentsOf: part.ints[range])
                }
            }
        }
        return first.type == .float ? Value(shape: shape, floats: floats) : Value(shape: shape, ints: ints)
    }

    /// Splits along `axis` by the given sizes, or into equal parts (the last may be smaller).
    static func split(_ context: KernelContext, axis: Int, sizes: [Int]?, count: Int) throws(EvaluatorError) -> [Value]
    {
        let data = try context.input(0)
        let axis = try context.axis(axis, rank: data.shape.count)
        let extent = data.shape[axis]
        let sizes =
            axesArgument(context, sizes)
            ?? {
                let each = (extent + count - 1) / count
                return (0..<count).map { min(each, max(extent - $0 * each, 0)) }
            }()
        guard sizes.count == count, sizes.reduce(0, +) == extent, sizes.allSatisfy({ $0 >= 0 }) else {
            throw context.fail("split sizes \(sizes) do not divide axis \(axis) of size \(extent)")
        }
        let outer = data.shape[..<axis].reduce(1, *)
        let inner = data.shape[(axis + 1)...].reduce(1, *)
        var results: [Value] = []
        var offset = 0
        for size in sizes {
            var sources: [Int] = []
            for block in 0..<outer {
                let base = (block * extent + offset) * inner
                sources.append(contentsOf: base..<(base + size * inner))
            }
            var shape = data.shape
            shape[axis] = size
            results.append(picking(data, shape: shape, sources: sources))
            offset += size
        }
        return results
    }

    /// Reshape with ONNX's 0 (copy) and -1 (infer) conventions.
    static func reshape(_ context: KernelContext, allowZero: Bool) throws(EvaluatorError) -> Value {
        var data = try context.input(0)
        var shape = try context.input(1).intList
        for index in shape.indices where shape[index] == 0 && !allowZero {
            guard index < data.shape.count else {
                throw context.fail("shape \(shape) copies a dimension the input lacks")
            }
            shape[index] = data.shape[index]
        }
        let known = shape.filter { $0 != -1 }.reduce(1, *)
        if let inferred = shape.firstIndex(of: -1), known > 0 {
            shape[inferred] = data.count / known
        }
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == data.count else {
            throw context.fail("cannot reshape \(data.shape) to \(shape)")
        }
        data.shape = shape
        return data
    }

    /// Collapses to 2-D around `axis`.
    static func flatten(_ context: KernelContext, axis: Int) throws(EvaluatorError) -> Value {
        var data = try context.input(0)
        let rank = data.shape.count
        let axis = axis < 0 ? axis + rank : axis
        guard axis >= 0, axis <= rank else {
            throw context.fail("axis \(axis) is out of range for rank \(rank)")
        }
        data.shape = [data.shape[..<axis].reduce(1, *), data.shape[axis...].reduce(1, *)]
        return data
    }
}
