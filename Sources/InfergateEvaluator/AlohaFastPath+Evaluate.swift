import Dispatch

/// Batched evaluation on the fast path: token checks, the length-sorted LSTM recurrence, the folded
/// convolutions and the heads. Chunks of rows run in parallel; each chunk owns its scratch buffers.
extension AlohaFastPath {
    /// Rows per parallel chunk: large enough that the recurrence GEMM is efficient, small enough to balance.
    static let chunkRows = 192

    /// Evaluates a [rows, sequenceLength] token tensor and returns one [rows, 1] tensor per head output.
    func evaluate(_ input: Tensor, outputNames: [String]) throws(EvaluatorError) -> [String: Tensor] {
        let rows = input.shape[0]
        let tokens = try tokenIndices(input)
        var probabilities = [Float](repeating: 0, count: rows * heads)
        let chunks = (rows + Self.chunkRows - 1) / Self.chunkRows
        probabilities.withUnsafeMutableBufferPointer { output in
            tokens.withUnsafeBufferPointer { tokenBuffer in
                let shared = ChunkBuffers(tokens: tokenBuffer, output: output)
                let run: @Sendable (Int) -> Void = { chunk in
                    let range = (chunk * Self.chunkRows)..<min(rows, (chunk + 1) * Self.chunkRows)
                    self.evaluateChunk(range, tokens: shared.tokens, output: shared.output)
                }
                if chunks <= 1 {
                    (0..<chunks).forEach(run)
                } else {
                    DispatchQueue.concurrentPerform(iterations: chunks, execute: run)
                }
            }
        }
        var outputs: [String: Tensor] = [:]
        for (head, name) in outputNames.enumerated() {
            let column = (0..<rows).map { probabilities[$0 * heads + head] }
            outputs[name] = Tensor(shape: [rows, 1], data: column)
        }
        return outputs
    }

    /// Token ids as Int32, with the generic path's rules: truncate toward zero, negatives count from the end.
    private func tokenIndices(_ input: Tensor) throws(EvaluatorError) -> [Int32] {
        var tokens = [Int32](repeating: 0, count: input.data.count)
        for (index, value) in input.data.enumerated() {
            let truncated = value.rounded(.towardZero)
            guard truncated >= Float(-vocabulary), truncated < Float(vocabulary) else {
                throw .invalidInput(
                    "token \(value) at position \(index % sequenceLength) is outside 0..<\(vocabulary)",
                    row: index / sequenceLength)
            }
            let token = Int32(truncated)
            tokens[index] = token < 0 ? token + Int32(vocabulary) : token
        }
        return tokens
    }

    private func evaluateChunk(
        _ range: Range<Int>,
        tokens: UnsafeBufferPointer<Int32>,
        output: UnsafeMutableBufferPointer<Float>
    ) {
        let count = range.count
        let length = sequenceLength
        var steps = [Int](repeating: 0, count: count)
        for local in 0..<count {
            let base = (range.lowerBound + local) * length
            var lead = 0
            while lead < length && tokens[base + lead] == 0 {
                lead += 1
            }
            steps[local] = length - lead
        }
        let order = (0..<count).sorted { steps[$0] > steps[$1] }
        var h = [Float](repeating: 0, count: count * hidden)
        var c = [Float](repeating: 0, count: count * hidden)
        runRecurrence(range, order: order, steps: steps, tokens: tokens, h: &h, c: &c)

        var features = [Float](repeating: 0, count: featureCount)
        for (sorted, local) in order.enumerated() {
            let row = range.lowerBound + local
            var logit = denseBias
            for j in 0..<hidden {
                logit += h[sorted * hidden + j] * denseWeights[j]
            }
            let lead = sequenceLength - steps[local]
            fillFeatures(&features, tokens: tokens, row: row, lead: lead, lstmLogit: logit)
            for head in 0..<heads {
                var total = headBias[head]
                for feature in 0..<featureCount {
                    total += features[feature] * headWeights[feature * heads + head]
                }
                output[row * heads + head] = Kernels.sigmoid(total)
            }
        }
    }

    /// Concatenated features for one row: each conv branch's max-pooled ReLU responses and the LSTM logit.
    ///
    /// Windows made only of leading padding all give the branch's `paddingResponse`, so they count once.
    private func fillFeatures(
        _ features: inout [Float],
        tokens: UnsafeBufferPointer<Int32>,
        row: Int,
        lead: Int,
        lstmLogit: Float
    ) {
        let base = row * sequenceLength
        var offset = 0
        for block in featureOrder {
            guard let index = block else {
                features[offset] = lstmLogit
                offset += 1
                continue
            }
            let branch = branches[index]
            let filters = branch.filters
            let lastStart = sequenceLength - branch.kernel
            let firstReal = min(max(0, lead - branch.kernel + 1), lastStart + 1)
            // max(relu(x)) over positions == max(0, max(x)): features start at 0.
            for f in 0..<filters {
                features[offset + f] = firstReal > 0 ? max(0, branch.paddingResponse[f]) : 0
            }
            branch.taps.withUnsafeBufferPointer { taps in
                features.withUnsafeMutableBufferPointer { output in
                    for position in firstReal..<(lastStart + 1) {
                        for f in 0..<filters {
                            var total = branch.bias[f]
                            for tap in 0..<branch.kernel {
                                let token = Int(tokens[base + position + tap])
                                total += taps[(tap * vocabulary + token) * filters + f]
                            }
                            output[offset + f] = max(output[offset + f], total)
                        }
                    }
                }
            }
            offset += filters
        }
    }
}

/// The buffers every chunk of one `evaluate` call shares.
///
/// `@unchecked Sendable` because no lock is needed: chunks only read `tokens` and each writes only its own
/// rows of `output`, and both buffers outlive the synchronous `concurrentPerform` that uses them.
private struct ChunkBuffers: @unchecked Sendable {
    let tokens: UnsafeBufferPointer<Int32>
    let output: UnsafeMutableBufferPointer<Float>
}
