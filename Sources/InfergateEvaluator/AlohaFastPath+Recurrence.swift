/// The LSTM recurrence on the fast path, over rows sorted by how many real (non-padding) tokens they have.
///
/// Rows are aligned at the end of the sequence: a row with `k` real tokens joins `k` steps before the end,
/// starting from the precomputed state after its padding. At every step the active rows are a prefix of
/// the sorted order, so one GEMM of [active × hidden]·[hidden × 4·hidden] serves them all.
extension AlohaFastPath {
    func runRecurrence(
        _ range: Range<Int>,
        order: [Int],
        steps: [Int],
        tokens: UnsafeBufferPointer<Int32>,
        h: inout [Float],
        c: inout [Float]
    ) {
        let count = order.count
        let maxSteps = order.first.map { steps[$0] } ?? 0
        let gates = 4 * hidden
        var preactivations = [Float](repeating: 0, count: count * gates)
        var active = 0
        for step in 0..<maxSteps {
            while active < count && steps[order[active]] == maxSteps - step {
                joinRow(at: active, afterPadding: sequenceLength - steps[order[active]], h: &h, c: &c)
                active += 1
            }
            h.withUnsafeBufferPointer { hBuffer in
                recurrence.withUnsafeBufferPointer { rBuffer in
                    preactivations.withUnsafeMutableBufferPointer { gBuffer in
                        BLAS.gemm(
                            transB: true, m: active, n: gates, k: hidden,
                            a: hBuffer.baseAddress!, lda: hidden, b: rBuffer.baseAddress!, ldb: hidden,
                            beta: 0, c: gBuffer.baseAddress!, ldc: gates)
                    }
                }
            }
            let position = sequenceLength - maxSteps + step
            for sorted in 0..<active {
                let token = Int(tokens[(range.lowerBound + order[sorted]) * sequenceLength + position])
                updateCell(sorted, token: token, preactivations: preactivations, h: &h, c: &c)
            }
        }
        while active < count {
            joinRow(at: active, afterPadding: sequenceLength, h: &h, c: &c)
            active += 1
        }
    }

    private func joinRow(at sorted: Int, afterPadding padding: Int, h: inout [Float], c: inout [Float]) {
        for j in 0..<hidden {
            h[sorted * hidden + j] = paddedH[padding * hidden + j]
            c[sorted * hidden + j] = paddedC[padding * hidden + j]
        }
    }

    /// One row's gate activations and state update; ONNX gate blocks are i, o, f, c.
    @inline(__always)
    private func updateCell(_ sorted: Int, token: Int, preactivations: [Float], h: inout [Float], c: inout [Float]) {
        let gates = 4 * hidden
        let gateBase = sorted * gates
        let tokenBase = token * gates
        let stateBase = sorted * hidden
        if case .hardSigmoid(let alpha, let beta) = lstm.f, lstm.g == .tanh, lstm.h == .tanh {
            for j in 0..<hidden {
                let i = preactivations[gateBase + j] + projectedTokens[tokenBase + j]
                let o = preactivations[gateBase + hidden + j] + projectedTokens[tokenBase + hidden + j]
                let f = preactivations[gateBase + 2 * hidden + j] + projectedTokens[tokenBase + 2 * hidden + j]
                let g = preactivations[gateBase + 3 * hidden + j] + projectedTokens[tokenBase + 3 * hidden + j]
                let cell = min(max(alpha * f + beta, 0), 1) * c[stateBase + j]
                    + min(max(alpha * i + beta, 0), 1) * g.hyperbolicTangent
                c[stateBase + j] = cell
                h[stateBase + j] = min(max(alpha * o + beta, 0), 1) * cell.hyperbolicTangent
            }
            return
        }
        for j in 0..<hidden {
            let pre = { (block: Int) in
                preactivations[gateBase + block * self.hidden + j] + self.projectedTokens[tokenBase + block * self.hidden + j]
            }
            let cell = lstm.f.apply(pre(2)) * c[stateBase + j] + lstm.f.apply(pre(0)) * lstm.g.apply(pre(3))
            c[stateBase + j] = cell
            h[stateBase + j] = lstm.f.apply(pre(1)) * lstm.h.apply(cell)
        }
    }
}
