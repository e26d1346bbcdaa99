/// The ONNX LSTM operator, forward direction, layout 0 (X is [seq, batch, input]).
///
/// Gate blocks in W, R and B are in ONNX order i, o, f, c. Rows past their `sequence_lens` keep their state
/// and write zeros to Y, as the specification says.
extension Kernels {
    /// Runs the sequence and returns Y [seq, 1, batch, hidden], Y_h and Y_c [1, batch, hidden].
    static func lstm(_ context: KernelContext, _ attributes: LSTMAttributes) throws(EvaluatorError) -> [Value] {
        let x = try context.floats(0)
        let w = try context.floats(1)
        let r = try context.floats(2)
        let hidden = attributes.hiddenSize
        guard x.shape.count == 3, w.shape == [1, 4 * hidden, x.shape[2]], r.shape == [1, 4 * hidden, hidden] else {
            throw context.fail("LSTM shapes X \(x.shape), W \(w.shape), R \(r.shape) do not fit hidden_size \(hidden)")
        }
        let (steps, batch, inputSize) = (x.shape[0], x.shape[1], x.shape[2])
        let gates = 4 * hidden
        var bias = [Float](repeating: 0, count: gates)
        if let b = context.optional(3) {
            guard b.shape == [1, 2 * gates], b.type == .float else {
                throw context.fail("LSTM bias has shape \(b.shape), expected [1, \(2 * gates)]")
            }
            for index in 0..<gates {
                bias[index] = b.floats[index] + b.floats[gates + index]
            }
        }
        let lengths = try sequenceLengths(context, batch: batch, steps: steps)
        var h = try initialState(context, index: 5, batch: batch, hidden: hidden)
        var c = try initialState(context, index: 6, batch: batch, hidden: hidden)

        var projected = [Float](repeating: 0, count: steps * batch * gates)
        for row in 0..<(steps * batch) {
            projected.replaceSubrange((row * gates)..<((row + 1) * gates), with: bias)
        }
        BLAS.gemm(
            transB: true, m: steps * batch, n: gates, k: inputSize, a: x.floats, b: w.floats, beta: 1, c: &projected)

        var y = [Float](repeating: 0, count: steps * batch * hidden)
        var recurrent = [Float](repeating: 0, count: batch * gates)
        for t in 0..<steps {
            BLAS.gemm(transB: true, m: batch, n: gates, k: hidden, a: h, b: r.floats, beta: 0, c: &recurrent)
            for n in 0..<batch where t < lengths[n] {
                let gateBase = (t * batch + n) * gates
                for j in 0..<hidden {
                    let pre = { (block: Int) in
                        projected[gateBase + block * hidden + j] + recurrent[n * gates + block * hidden + j]
                    }
                    let input = attributes.f.apply(pre(0))
                    let output = attributes.f.apply(pre(1))
                    let forget = attributes.f.apply(pre(2))
                    let candidate = attributes.g.apply(pre(3))
                    let cell = forget * c[n * hidden + j] + input * candidate
                    c[n * hidden + j] = cell
                    h[n * hidden + j] = output * attributes.h.apply(cell)
                    y[(t * batch + n) * hidden + j] = h[n * hidden + j]
                }
            }
        }
        return [
            Value(shape: [steps, 1, batch, hidden], floats: y),
            Value(shape: [1, batch, hidden], floats: h),
            Value(shape: [1, batch, hidden], floats: c),
        ]
    }

    private static func sequenceLengths(_ context: KernelContext, batch: Int, steps: Int) throws(EvaluatorError)
        -> [Int]
    {
        guard let lengths = context.optional(4) else {
            return [Int](repeating: steps, count: batch)
        }
        let list = lengths.intList
        guard list.count == batch, list.allSatisfy({ $0 >= 0 && $0 <= steps }) else {
            throw context.fail("sequence_lens must hold \(batch) lengths within 0...\(steps)")
        }
        return list
    }

    private static func initialState(_ context: KernelContext, index: Int, batch: Int, hidden: Int)
        throws(EvaluatorError) -> [Float]
    {
        guard let state = context.optional(index) else {
            return [Float](repeating: 0, count: batch * hidden)
        }
        guard state.type == .float, state.shape == [1, batch, hidden] else {
            throw context.fail("LSTM initial state has shape \(state.shape), expected [1, \(batch), \(hidden)]")
        }
        return state.floats
    }
}
