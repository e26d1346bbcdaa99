/// Linear operators: Gemm, MatMul (with batch broadcasting) and Conv (1-D and 2-D, grouped).
extension Kernels {
    /// alpha · op(A) · op(B) + beta · C, with C broadcast to [M, N].
    static func gemm(
        _ context: KernelContext,
        alpha: Float,
        beta: Float,
        transA: Bool,
        transB: Bool
    ) throws(EvaluatorError) -> Value {
        let a = try context.floats(0)
        let b = try context.floats(1)
        guard a.shape.count == 2, b.shape.count == 2 else {
            throw context.fail("Gemm needs 2-D inputs, got \(a.shape) and \(b.shape)")
        }
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kB, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kB else {
            throw context.fail("Gemm inner dimensions differ: \(a.shape) and \(b.shape)")
        }
        var output = [Float](repeating: 0, count: m * n)
        if let bias = context.optional(2), beta != 0 {
            let broadcast = Value(shape: [m, n], floats: output)
            let biasContext = KernelContext(label: context.label, inputs: [broadcast, bias])
            output = try binary(biasContext, .add).floats.map { $0 * beta }
        }
        BLAS.gemm(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.floats, b: b.floats, beta: 1,
            c: &output)
        return Value(shape: [m, n], floats: output)
    }

    /// numpy matmul: 1-D operands promoted, leading dimensions broadcast.
    static func matMul(_ context: KernelContext) throws(EvaluatorError) -> Value {
        var a = try context.floats(0)
        var b = try context.floats(1)
        let vectorA = a.shape.count == 1
        let vectorB = b.shape.count == 1
        if vectorA { a.shape = [1] + a.shape }
        if vectorB { b.shape = b.shape + [1] }
        let (m, k) = (a.shape[a.shape.count - 2], a.shape[a.shape.count - 1])
        let (kB, n) = (b.shape[b.shape.count - 2], b.shape[b.shape.count - 1])
        guard k == kB, let batch = Shape.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else {
            throw context.fail("MatMul shapes \(a.shape) and \(b.shape) do not match")
        }
        let batchCount = batch.reduce(1, *)
        let aStrides = Shape.broadcastStrides(Array(a.shape.dropLast(2)), to: batch)
        let bStrides = Shape.broadcastStrides(Array(b.shape.dropLast(2)), to: batch)
        let batchStrides = Shape.strides(batch)
        var output = [Float](repeating: 0, count: batchCount * m * n)
        for index in 0..<batchCount {
            var aBlock = 0
            var bBlock = 0
            for dim in batch.indices {
                let position = (index / batchStrides[dim]) % batch[dim]
                aBlock += position * aStrides[dim]
                bBlock += position * bStrides[dim]
            }
            let aSlice = Array(a.floats[(aBlock * m * k)..<((aBlock + 1) * m * k)])
            let bSlice = Array(b.floats[(bBlock * k * n)..<((bBlock + 1) * k * n)])
            var cSlice = [Float](repeating: 0, count: m * n)
            BLAS.gemm(m: m, n: n, k: k, a: aSlice, b: bSlice, beta: 0, c: &cSlice)
            output.replaceSubrange((index * m * n)..<((index + 1) * m * n), with: cSlice)
        }
        var shape = batch + [m, n]
        if vectorB { shape.removeLast() }
        if vectorA { shape.remove(at: shape.count - (vectorB ? 1 : 2)) }
        return Value(shape: shape, floats: output)
    }

    /// Direct convolution with bias; clear rather than fast (the Aloha path avoids it).
    static func conv(_ context: KernelContext, _ attributes: ConvAttributes) throws(EvaluatorError) -> Value {
        let x = try context.floats(0)
        let w = try context.floats(1)
        let spatial = x.shape.count - 2
        guard spatial == 1 || spatial == 2, w.shape.count == x.shape.count else {
            throw context.fail("Conv supports 1-D and 2-D inputs, got \(x.shape) with weights \(w.shape)")
        }
        let geometry = try ConvGeometry(context, x: x.shape, w: w.shape, attributes)
        var output = [Float](repeating: 0, count: geometry.outputCount)
        let bias = context.optional(2)?.floats
        for n in 0..<geometry.batch {
            for m in 0..<geometry.outChannels {
                let group = m / geometry.outPerGroup
                let base = ((n * geometry.outChannels) + m) * geometry.outputPlane
                for oy in 0..<geometry.outHeight {
                    for ox in 0..<geometry.outWidth {
                        var total: Float = bias?[m] ?? 0
                        for c in 0..<geometry.inPerGroup {
                            let channel = group * geometry.inPerGroup + c
                            total += geometry.dot(
                                x.floats, w.floats, n: n, channel: channel, m: m, c: c, oy: oy, ox: ox)
                        }
                        output[base + oy * geometry.outWidth + ox] = total
                    }
                }
            }
        }
        return Value(shape: geometry.outputShape(spatial: spatial), floats: output)
    }
}
