/// Recognises the Aloha CNN-LSTM structure in a graph and extracts its weights, or fails (nil) so the
/// generic executor runs instead.
///
/// Walks back from the outputs: Split ← Sigmoid ← Gemm ← Concat of (ReduceMax ← Relu ← Conv) branches and
/// one (Gemm ← Squeeze ← LSTM) branch, both fed by Transposes of Gather(embedding, Cast(input)). Every
/// attribute that would change the arithmetic must be at its default, or the match fails.
struct AlohaGraphMatch {
    struct Conv {
        let weights: Value
        let bias: [Float]
    }

    var embedding = Value(shape: [], floats: [])
    var sequenceLength = 0
    var lstm: LSTMAttributes?
    var inputName = ""
    var constantInts: [String: [Int]] = [:]
    var lstmW: [Float] = []
    var lstmR: [Float] = []
    var lstmBias: [Float] = []
    var denseWeights: [Float] = []
    var denseBias: Float = 0
    var convs: [Conv] = []
    var featureOrder: [Int?] = []
    var headWeights = Value(shape: [], floats: [])
    var headBias: [Float] = []

    /// Matches the whole structure and collects its weights; nil on the first difference.
    init?(graph: ONNXGraph, opset: Int) {
        let producers = Dictionary(
            graph.nodes.flatMap { node in node.outputs.map { ($0, node) } }, uniquingKeysWith: { first, _ in first })
        let constants = Dictionary(
            graph.initializers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        constantInts = constants.filter { $0.value.type == .int64 }.mapValues { $0.intList }
        func node(_ name: String, _ opType: String) -> ONNXNode? {
            guard let found = producers[name], found.opType == opType, found.domain.isEmpty else { return nil }
            return found
        }
        func floats(_ name: String) -> Value? {
            guard let value = constants[name], value.type == .float else { return nil }
            return value
        }
        guard graph.inputs.count - graph.inputs.filter({ constants[$0.name] != nil }).count == 1,
            let input = graph.inputs.first(where: { constants[$0.name] == nil }),
            let shape = input.shape, shape.count == 2, let length = shape[1],
            let first = graph.outputs.first, let split = node(first.name, "Split"),
            split.outputs == graph.outputs.map(\.name), split.inputs.count == 1,
            (split.attributes["axis"]?.int ?? 0) == 1, split.attributes["split"] == nil,
            let sigmoid = node(split.inputs[0], "Sigmoid"),
            let headGemm = node(sigmoid.inputs[0], "Gemm"), Self.isPlainGemm(headGemm),
            let heads = floats(headGemm.inputs[1]), heads.shape.count == 2, heads.shape[1] == split.outputs.count,
            let headBias = floats(headGemm.inputs[2]), headBias.count == heads.shape[1],
            let concat = node(headGemm.inputs[0], "Concat"), concat.attributes["axis"]?.int == 1
        else { return nil }
        sequenceLength = length
        inputName = input.name
        headWeights = heads
        self.headBias = headBias.floats
        var lstmFound: LSTMAttributes?
        var width = 0
        for part in concat.inputs {
            if let pool = node(part, "ReduceMax") {
                guard let conv = matchConvBranch(pool, node: node, floats: floats, opset: opset) else { return nil }
                featureOrder.append(convs.count)
                convs.append(conv)
                width += conv.weights.shape[0]
            } else if let dense = node(part, "Gemm"), lstmFound == nil {
                guard let found = matchLSTMBranch(dense, node: node, floats: floats, opset: opset) else { return nil }
                lstmFound = found
                featureOrder.append(nil)
                width += 1
            } else {
                return nil
            }
        }
        guard let lstmFound, width == heads.shape[0], !embedding.shape.isEmpty else { return nil }
        lstm = lstmFound
    }

    private static func isPlainGemm(_ gemm: ONNXNode) -> Bool {
        gemm.inputs.count == 3 && (gemm.attributes["alpha"]?.float ?? 1) == 1
            && (gemm.attributes["beta"]?.float ?? 1) == 1
            && (gemm.attributes["transA"]?.int ?? 0) == 0 && (gemm.attributes["transB"]?.int ?? 0) == 0
    }

    /// Checks Transpose(perm) ← Gather(embedding, Cast(input)) and records the embedding.
    private mutating func matchEmbedding(
        _ name: String,
        perm: [Int64],
        node: (String, String) -> ONNXNode?,
        floats: (String) -> Value?
    ) -> Bool {
        guard let transpose = node(name, "Transpose"), transpose.attributes["perm"]?.ints == perm,
            let gather = node(transpose.inputs[0], "Gather"), (gather.attributes["axis"]?.int ?? 0) == 0,
            let table = floats(gather.inputs[0]), table.shape.count == 2,
            let cast = node(gather.inputs[1], "Cast"), cast.attributes["to"]?.int == 7, cast.inputs == [inputName]
        else { return false }
        guard embedding.shape.isEmpty || embedding.floats == table.floats else { return false }
        embedding = table
        return true
    }

    private mutating func matchConvBranch(
        _ pool: ONNXNode,
        node: (String, String) -> ONNXNode?,
        floats: (String) -> Value?,
        opset: Int
    ) -> Conv? {
        let axes = pool.attributes["axes"]?.ints ?? []
        guard opset < 18, axes == [2] || axes == [-1], pool.attributes["keepdims"]?.int == 0,
            let relu = node(pool.inputs[0], "Relu"),
            let conv = node(relu.inputs[0], "Conv"), conv.inputs.count == 3,
            let weights = floats(conv.inputs[1]), weights.shape.count == 3,
            let bias = floats(conv.inputs[2]), bias.count == weights.shape[0],
            (conv.attributes["group"]?.int ?? 1) == 1,
            (conv.attributes["strides"]?.ints ?? [1]) == [1], (conv.attributes["dilations"]?.ints ?? [1]) == [1],
            (conv.attributes["pads"]?.ints ?? [0, 0]) == [0, 0],
            (conv.attributes["auto_pad"]?.string ?? "NOTSET") != "SAME_UPPER",
            (conv.attributes["auto_pad"]?.string ?? "NOTSET") != "SAME_LOWER",
            matchEmbedding(conv.inputs[0], perm: [0, 2, 1], node: node, floats: floats),
            weights.shape[1] == embedding.shape[1], weights.shape[2] <= sequenceLength
        else { return nil }
        return Conv(weights: weights, bias: bias.floats)
    }

    private mutating func matchLSTMBranch(
        _ dense: ONNXNode,
        node: (String, String) -> ONNXNode?,
        floats: (String) -> Value?,
        opset: Int
    ) -> LSTMAttributes? {
        guard Self.isPlainGemm(dense),
            let weights = floats(dense.inputs[1]), weights.shape.count == 2, weights.shape[1] == 1,
            let bias = floats(dense.inputs[2]), bias.count == 1,
            let squeeze = node(dense.inputs[0], "Squeeze"),
            squeezesFirstAxis(squeeze, floats: floats),
            let lstmNode = producers(squeeze.inputs[0], node: node),
            lstmNode.outputs.count >= 2, lstmNode.outputs[1] == squeeze.inputs[0],
            lstmNode.inputs.count >= 3, lstmNode.inputs.dropFirst(4).allSatisfy(\.isEmpty),
            let attributes = try? LSTMAttributes(AttributeReader(node: lstmNode)),
            let w = floats(lstmNode.inputs[1]), let r = floats(lstmNode.inputs[2]),
            matchEmbedding(lstmNode.inputs[0], perm: [1, 0, 2], node: node, floats: floats),
            w.shape == [1, 4 * attributes.hiddenSize, embedding.shape[1]],
            r.shape == [1, 4 * attributes.hiddenSize, attributes.hiddenSize],
            weights.shape[0] == attributes.hiddenSize
        else { return nil }
        if lstmNode.inputs.count > 3, !lstmNode.inputs[3].isEmpty {
            guard let b = floats(lstmNode.inputs[3]), b.shape == [1, 8 * attributes.hiddenSize] else { return nil }
            lstmBias = b.floats
        }
        lstmW = w.floats
        lstmR = r.floats
        denseWeights = weights.floats
        denseBias = bias.floats[0]
        return attributes
    }

    private func squeezesFirstAxis(_ squeeze: ONNXNode, floats: (String) -> Value?) -> Bool {
        if let axes = squeeze.attributes["axes"]?.ints {
            return axes == [0]
        }
        guard squeeze.inputs.count == 2, let axes = constantInts[squeeze.inputs[1]] else { return false }
        return axes == [0]
    }

    private func producers(_ name: String, node: (String, String) -> ONNXNode?) -> ONNXNode? {
        node(name, "LSTM")
    }
}
