/// The LSTM recurrence on the fast path, over rows sorted by how many real (non-padding) tokens they have.
///
/// Rows are aligned at the end of the sequence: a row with `k` real tokens joins `k` steps before the end,
/// starting from the precomputed state after its padding. At every step the active rows are a prefix of
/// the sorted order, so one GEMM of [active × hidden]·[hidden × 4·hidden] serves them all.
extension AlohaFastPath {
    /// Runs the recurrence for one chunk; on return `h` and `c` hold each row's final state, in sorted order.
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
            preactivations.withUnsafeBufferPointer { gBuffer in
                projectedTokens.withUnsafeBufferPointer { pBuffer in
                    h.withUnsafeMutableBufferPointer { hBuffer in
                        c.withUnsafeMutableBufferPointer { cBuffer in
                            let cells = CellBuffers(
                                gates: UnsafeRawPointer(gBuffer.baseAddress! + gateBase),
                                tokens: UnsafeRawPointer(pBuffer.baseAddress! + tokenBase),
                                h: UnsafeMutableRawPointer(hBuffer.baseAddress! + stateBase),
                                c: UnsafeMutableRawPointer(cBuffer.baseAddress! + stateBase))
                            updateCellVectorised(cells, alpha: alpha, beta: beta)
                        }
                    }
                }
            }
            return
        }
        for j in 0..<hidden {
            let pre = { (block: Int) in
                preactivations[gateBase + block * self.hidden + j]
                    + self.projectedTokens[tokenBase + block * self.hidden + j]
            }
            let cell = lstm.f.apply(pre(2)) * c[stateBase + j] + lstm.f.apply(pre(0)) * lstm.g.apply(pre(3))
            c[stateBase + j] = cell
            h[stateBase + j] = lstm.f.apply(pre(1)) * lstm.h.apply(cell)
        }
    }

    /// The Keras-style cell (hard-sigmoid gates, tanh), as one flat loop the compiler can vectorise.
    @inline(__always)
    private func updateCellVectorised(_ cells: CellBuffers, alpha: Float, beta: Float) {
        let gates = cells.gates.assumingMemoryBound(to: Float.self)
        let tokens = cells.tokens.assumingMemoryBound(to: Float.self)
        let h = cells.h.assumingMemoryBound(to: Float.self)
        let c = cells.c.assumingMemoryBound(to: Float.self)
        let size = hidden
        for j in 0..<size {
            let input = FastMath.hardSigmoid(gates[j] + tokens[j], alpha: alpha, beta: beta)
            let output = FastMath.hardSigmoid(gates[size + j] + tokens[size + j], alpha: alpha, beta: beta)
            let forget = FastMath.hardSigmoid(gates[2 * size + j] + tokens[2 * size + j], alpha: alpha, beta: beta)
            let candidate = FastMath.tanh(gates[3 * size + j] + tokens[3 * size + j])
            let cell = forget * c[j] + input * candidate
            c[j] = cell
            h[j] = output * FastMath.tanh(cell)
        }
    }
}

/// Raw views of one row's gate pre-activations, token projection and state, valid during one cell update.
private struct CellBuffers {
    let gates: UnsafeRawPointer
    let tokens: UnsafeRawPointer
    let h: UnsafeMutableRawPointer
    let c: UnsafeMutableRawPointer
}
