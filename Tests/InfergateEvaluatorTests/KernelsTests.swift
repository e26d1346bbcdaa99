import Foundation
import Testing

@testable import InfergateEvaluator

/// Each operator on small inputs against values worked out by hand.
@Suite struct KernelsTests {
    private func run(_ op: Operator, _ inputs: [Value?], outputs: Int = 1) throws -> [Value] {
        try Kernels.run(op, inputs, outputCount: outputs, label: "test")
    }

    private func f(_ shape: [Int], _ values: [Float]) -> Value { Value(shape: shape, floats: values) }

    private func i(_ shape: [Int], _ values: [Int64]) -> Value { Value(shape: shape, ints: values) }

    @Test func castTruncatesTowardZero() throws {
        let result = try run(.cast(to: .int64), [f([3], [2.9, -1.5, 37])])[0]
        #expect(result.ints == [2, -1, 37] && result.type == .int64)
    }

    @Test func gatherPicksRowsAndRejectsBadIndices() throws {
        let table = f([3, 2], [0, 1, 10, 11, 20, 21])
        let result = try run(.gather(axis: 0), [table, i([2, 2], [2, 0, -1, 1])])[0]
        #expect(result.shape == [2, 2, 2])
        #expect(result.floats == [20, 21, 0, 1, 20, 21, 10, 11])
        #expect(throws: EvaluatorError.self) { try run(.gather(axis: 0), [table, i([1], [3])]) }
    }

    @Test func transposeFollowsPerm() throws {
        let data = f([2, 3, 1], [1, 2, 3, 4, 5, 6])
        let result = try run(.transpose(perm: [1, 0, 2]), [data])[0]
        #expect(result.shape == [3, 2, 1] && result.floats == [1, 4, 2, 5, 3, 6])
        #expect(try run(.transpose(perm: nil), [f([2, 3], [1, 2, 3, 4, 5, 6])])[0].floats == [1, 4, 2, 5, 3, 6])
    }

    @Test func squeezeAndUnsqueezeUseAxesInputs() throws {
        let squeezed = try run(.squeeze(axes: nil), [f([1, 2, 1], [1, 2]), i([1], [0])])[0]
        #expect(squeezed.shape == [2, 1])
        let unsqueezed = try run(.unsqueeze(axes: nil), [f([2], [1, 2]), i([2], [0, -1])])[0]
        #expect(unsqueezed.shape == [1, 2, 1])
        #expect(throws: EvaluatorError.self) { try run(.squeeze(axes: [1]), [f([1, 2], [1, 2])]) }
    }

    @Test func gemmHonoursAlphaBetaAndTransposes() throws {
        let a = f([2, 2], [1, 2, 3, 4])
        let b = f([2, 2], [5, 6, 7, 8])
        let plain = try run(.gemm(alpha: 1, beta: 1, transA: false, transB: false), [a, b, f([2], [1, -1])])[0]
        #expect(plain.floats == [20, 21, 44, 49])
        let scaled = try run(.gemm(alpha: 2, beta: 0.5, transA: true, transB: true), [a, b, f([1], [2])])[0]
        // Aᵀ·Bᵀ = [[1,3],[2,4]]·[[5,7],[6,8]] = [[23,31],[34,46]]; ×2 + 1.
        #expect(scaled.floats == [47, 63, 69, 93])
    }

    @Test func matMulBroadcastsBatches() throws {
        let a = f([2, 1, 2], [1, 2, 3, 4])
        let b = f([2, 1], [10, 1])
        let result = try run(.matMul, [a, b])[0]
        #expect(result.shape == [2, 1, 1] && result.floats == [12, 34])
        #expect(try run(.matMul, [f([2], [1, 2]), f([2], [3, 4])])[0].floats == [11])
    }

    @Test func convOneDimensionalWithPadsStridesDilations() throws {
        let x = f([1, 1, 5], [1, 2, 3, 4, 5])
        let w = f([1, 1, 2], [1, 10])
        let valid = try run(.conv(try convAttributes([:])), [x, w, f([1], [0.5])])[0]
        #expect(valid.shape == [1, 1, 4] && valid.floats == [21.5, 32.5, 43.5, 54.5])
        let strided = try run(.conv(try convAttributes(["pads": .ints([1, 0]), "strides": .ints([2])])), [x, w])[0]
        // Padded input [0,1,2,3,4,5], windows at 0, 2, 4: [0+10, 2+30, 4+50].
        #expect(strided.floats == [10, 32, 54])
        let dilated = try run(.conv(try convAttributes(["dilations": .ints([2])])), [x, w])[0]
        #expect(dilated.floats == [31, 42, 53])
    }

    @Test func convTwoDimensionalGrouped() throws {
        let x = f([1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])
        let w = f([2, 1, 1, 1], [2, 3])
        let result = try run(.conv(try convAttributes(["group": .int(2)])), [x, w])[0]
        #expect(result.shape == [1, 2, 2, 2] && result.floats == [2, 4, 6, 8, 15, 18, 21, 24])
    }

    @Test func elementwiseAndBroadcasting() throws {
        let a = f([2, 2], [1, 2, 3, 4])
        #expect(try run(.binary(.add), [a, f([2], [10, 20])])[0].floats == [11, 22, 13, 24])
        #expect(try run(.binary(.sub), [a, f([2, 1], [1, 2])])[0].floats == [0, 1, 1, 2])
        #expect(try run(.binary(.mul), [a, f([], [2])])[0].floats == [2, 4, 6, 8])
        #expect(try run(.binary(.div), [a, f([1, 2], [1, 4])])[0].floats == [1, 0.5, 3, 1])
        #expect(throws: EvaluatorError.self) { try run(.binary(.add), [a, f([3], [1, 2, 3])]) }
        let x = f([4], [-2, 0, 0.5, 100])
        #expect(try run(.unary(.relu), [x])[0].floats == [0, 0, 0.5, 100])
        #expect(try run(.clip(min: nil, max: nil), [x, f([], [-1]), f([], [1])])[0].floats == [-1, 0, 0.5, 1])
        let sigmoid = try run(.unary(.sigmoid), [x])[0].floats
        #expect(abs(sigmoid[0] - 0.119_202_92) < 1e-7 && sigmoid[1] == 0.5 && sigmoid[3] == 1)
        #expect(abs(try run(.unary(.tanh), [x])[0].floats[2] - 0.462_117_16) < 1e-7)
        #expect(abs(try run(.unary(.exp), [x])[0].floats[2] - 1.648_721_3) < 1e-6)
        #expect(abs(try run(.unary(.log), [x])[0].floats[3] - 4.605_170_2) < 1e-6)
    }

    @Test func softmaxReduceMaxConcatSplit() throws {
        let softmax = try run(.softmax(axis: -1), [f([1, 2], [0, Float(log(3.0))])])[0].floats
        #expect(abs(softmax[0] - 0.25) < 1e-7 && abs(softmax[1] - 0.75) < 1e-7)
        let data = f([2, 3], [1, 5, 2, 7, 0, 3])
        #expect(try run(.reduceMax(axes: [1], keepDims: false), [data])[0].floats == [5, 7])
        let kept = try run(.reduceMax(axes: nil, keepDims: true), [data, i([1], [0])])[0]
        #expect(kept.shape == [1, 3] && kept.floats == [7, 5, 3])
        let joined = try run(.concat(axis: 1), [f([2, 1], [1, 2]), f([2, 2], [3, 4, 5, 6])])[0]
        #expect(joined.shape == [2, 3] && joined.floats == [1, 3, 4, 2, 5, 6])
        let parts = try run(.split(axis: 1, sizes: nil), [data], outputs: 3)
        #expect(parts.map(\.floats) == [[1, 7], [5, 0], [2, 3]])
        let sized = try run(.split(axis: 1, sizes: nil), [data, i([2], [1, 2])], outputs: 2)
        #expect(sized[1].shape == [2, 2] && sized[1].floats == [5, 2, 0, 3])
    }

    @Test func reshapeAndFlatten() throws {
        let data = f([2, 3], [1, 2, 3, 4, 5, 6])
        #expect(try run(.reshape(allowZero: false), [data, i([2], [3, -1])])[0].shape == [3, 2])
        #expect(try run(.reshape(allowZero: false), [data, i([2], [0, 3])])[0].shape == [2, 3])
        #expect(throws: EvaluatorError.self) { try run(.reshape(allowZero: false), [data, i([1], [4])]) }
        #expect(try run(.flatten(axis: 1), [f([2, 1, 3], [1, 2, 3, 4, 5, 6])])[0].shape == [2, 3])
    }

    @Test func lstmSingleStepMatchesHandComputation() throws {
        // hidden 1, input 1; W gates i,o,f,c = [1, 2, 3, 4], R = 0, B: Wb = [0.1 …], Rb = 0.
        let attributes = try lstmAttributes(["hidden_size": .int(1)])
        let outputs = try run(
            .lstm(attributes),
            [
                f([1, 1, 1], [0.5]), f([1, 4, 1], [1, 2, 3, 4]), f([1, 4, 1], [0, 0, 0, 0]),
                f([1, 8], [0.1, 0.1, 0.1, 0.1, 0, 0, 0, 0]), nil, nil, f([1, 1, 1], [2]),
            ],
            outputs: 3)
        let s = { (x: Double) in 1 / (1 + exp(-x)) }
        let cell = s(1.6) * 2 + s(0.6) * tanh(2.1)
        let hidden = s(1.1) * tanh(cell)
        #expect(abs(Double(outputs[2].floats[0]) - cell) < 1e-6)
        #expect(abs(Double(outputs[1].floats[0]) - hidden) < 1e-6)
        #expect(outputs[0].shape == [1, 1, 1, 1])
    }

    @Test func lstmHardSigmoidAndSequenceLengths() throws {
        let attributes = try lstmAttributes([
            "hidden_size": .int(1), "activations": .strings(["HardSigmoid", "Tanh", "Tanh"]),
            "activation_alpha": .floats([0.2]), "activation_beta": .floats([0.5]),
        ])
        let outputs = try run(
            .lstm(attributes),
            [
                f([2, 2, 1], [1, 1, 1, 1]), f([1, 4, 1], [1, 1, 1, 1]), f([1, 4, 1], [0, 0, 0, 0]), nil,
                i([2], [2, 1]),
            ],
            outputs: 3)
        let g = 0.7
        let c1 = g * tanh(1)
        let h1 = g * tanh(c1)
        let c2 = g * c1 + g * tanh(1)
        #expect(abs(Double(outputs[2].floats[0]) - c2) < 1e-6)
        #expect(abs(Double(outputs[1].floats[1]) - h1) < 1e-6)
        #expect(outputs[0].floats[3] == 0)
    }

    private func convAttributes(_ values: [String: ONNXBuilder.Attribute]) throws -> ConvAttributes {
        try ConvAttributes(AttributeReader(node: node("Conv", values)))
    }

    private func lstmAttributes(_ values: [String: ONNXBuilder.Attribute]) throws -> LSTMAttributes {
        try LSTMAttributes(AttributeReader(node: node("LSTM", values)))
    }

    private func node(_ op: String, _ values: [String: ONNXBuilder.Attribute]) -> ONNXNode {
        var node = ONNXNode()
        node.opType = op
        for (name, value) in values {
            var attribute = ONNXAttribute()
            attribute.name = name
            switch value {
            case .int(let v): attribute.int = v
            case .float(let v): attribute.float = v
            case .ints(let v): attribute.ints = v.map { Int64($0) }
            case .floats(let v): attribute.floats = v
            case .string(let v): attribute.string = v
            case .strings(let v): attribute.strings = v
            }
            node.attributes[name] = attribute
        }
        return node
    }
}
