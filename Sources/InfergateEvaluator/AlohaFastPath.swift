/// A structure-specific evaluator for embedding → {LSTM → Dense, Conv1D → ReLU → max-pool}×n → Dense →
/// sigmoid graphs such as the Aloha CNN-LSTM, built at load when the graph matches exactly.
///
/// The embedding feeds only linear maps, so those are folded per token at load: the LSTM input projection
/// (W·emb + Wb + Rb) and each convolution tap. Rows that start with padding token 0 share the LSTM state
/// after k zeros, which is precomputed for every k; the recurrence then runs only over each row's real
/// characters, batched as a GEMM over the rows still active. Immutable after init; safe across threads.
struct AlohaFastPath: Sendable {
    /// One folded Conv1D branch: per-tap, per-token filter responses.
    struct ConvBranch: Sendable {
        let kernel: Int
        let filters: Int
        /// [kernel][vocabulary][filters]: Σ_c W[f][c][j] · emb[v][c].
        let taps: [Float]
        let bias: [Float]
        /// The response to a window of padding only: bias + Σ_j taps[j][0].
        let paddingResponse: [Float]
    }

    let vocabulary: Int
    let sequenceLength: Int
    let hidden: Int
    let lstm: LSTMAttributes
    /// [vocabulary][4·hidden]: W·emb[v] + Wb + Rb in ONNX gate order i, o, f, c.
    let projectedTokens: [Float]
    /// [4·hidden][hidden], ONNX layout (used transposed).
    let recurrence: [Float]
    /// [sequenceLength + 1][hidden]: h and c after k padding tokens from the zero state.
    let paddedH: [Float]
    let paddedC: [Float]
    let denseWeights: [Float]
    let denseBias: Float
    let branches: [ConvBranch]
    /// Where each feature block lands in the concatenated feature vector: conv branch index or nil for the LSTM.
    let featureOrder: [Int?]
    let featureCount: Int
    /// [featureCount][heads] and [heads].
    let headWeights: [Float]
    let headBias: [Float]
    let heads: Int

    /// Folds the matched graph's weights into per-token tables, or nil when the graph is not Aloha-shaped.
    init?(graph: ONNXGraph, opset: Int) {
        guard let match = AlohaGraphMatch(graph: graph, opset: opset), let lstmAttributes = match.lstm else {
            return nil
        }
        let embedding = match.embedding
        let width = embedding.shape[1]
        vocabulary = embedding.shape[0]
        sequenceLength = match.sequenceLength
        hidden = lstmAttributes.hiddenSize
        lstm = lstmAttributes
        let gates = 4 * hidden
        var projected = [Float](repeating: 0, count: vocabulary * gates)
        for v in 0..<vocabulary {
            for g in 0..<gates {
                var total: Float = match.lstmBias.isEmpty ? 0 : match.lstmBias[g] + match.lstmBias[gates + g]
                for c in 0..<width {
                    total += match.lstmW[g * width + c] * embedding.floats[v * width + c]
                }
                projected[v * gates + g] = total
            }
        }
        projectedTokens = projected
        recurrence = match.lstmR
        denseWeights = match.denseWeights
        denseBias = match.denseBias
        branches = match.convs.map { conv in
            let (filters, kernel) = (conv.weights.shape[0], conv.weights.shape[2])
            var taps = [Float](repeating: 0, count: kernel * match.embedding.shape[0] * filters)
            for j in 0..<kernel {
                for v in 0..<embedding.shape[0] {
                    for f in 0..<filters {
                        var total: Float = 0
                        for c in 0..<width {
                            total += conv.weights.floats[(f * width + c) * kernel + j] * embedding.floats[v * width + c]
                        }
                        taps[(j * embedding.shape[0] + v) * filters + f] = total
                    }
                }
            }
            let padding = (0..<filters).map { f in
                (0..<kernel).reduce(conv.bias[f]) { $0 + taps[($1 * embedding.shape[0]) * filters + f] }
            }
            return ConvBranch(kernel: kernel, filters: filters, taps: taps, bias: conv.bias, paddingResponse: padding)
        }
        featureOrder = match.featureOrder
        featureCount = match.headWeights.shape[0]
        headWeights = match.headWeights.floats
        headBias = match.headBias
        heads = match.headWeights.shape[1]
        (paddedH, paddedC) = Self.paddingStates(
            lstm: lstmAttributes, steps: sequenceLength, recurrence: recurrence, tokenZero: Array(projected[0..<gates]))
    }

    /// h and c after 0...sequenceLength padding tokens, by running the recurrence on token 0 one row at a time.
    private static func paddingStates(
        lstm: LSTMAttributes,
        steps: Int,
        recurrence: [Float],
        tokenZero: [Float]
    ) -> ([Float], [Float]) {
        let hidden = lstm.hiddenSize
        var h = [Float](repeating: 0, count: hidden)
        var c = [Float](repeating: 0, count: hidden)
        var allH = h
        var allC = c
        var gates = [Float](repeating: 0, count: 4 * hidden)
        for _ in 0..<steps {
            BLAS.gemm(transB: true, m: 1, n: 4 * hidden, k: hidden, a: h, b: recurrence, beta: 0, c: &gates)
            for j in 0..<hidden {
                let pre = { (block: Int) in gates[block * hidden + j] + tokenZero[block * hidden + j] }
                let cell = lstm.f.apply(pre(2)) * c[j] + lstm.f.apply(pre(0)) * lstm.g.apply(pre(3))
                c[j] = cell
                h[j] = lstm.f.apply(pre(1)) * lstm.h.apply(cell)
            }
            allH += h
            allC += c
        }
        return (allH, allC)
    }
}
