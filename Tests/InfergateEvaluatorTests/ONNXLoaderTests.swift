import Foundation
import Testing

@testable import InfergateEvaluator

/// Loading: small hand-built models end to end, load-time errors naming what is missing, and fuzzing.
@Suite struct ONNXLoaderTests {
    /// y = softmax(relu(x·W + b)) over a 2-wide input, a tiny tabular model.
    private func mlp() -> ONNXBuilder {
        var builder = ONNXBuilder()
        builder.input("x", shape: [nil, 2])
        builder.floats("W", [2, 2], [1, -1, 2, 0.5])
        builder.floats("b", [2], [0.5, -0.5])
        builder.node("MatMul", ["x", "W"], ["xw"])
        builder.node("Add", ["xw", "b"], ["z"])
        builder.node("Relu", ["z"], ["r"])
        builder.node("Softmax", ["r"], ["y"], ["axis": .int(1)])
        builder.output("y")
        return builder
    }

    @Test func evaluatesAHandBuiltModel() throws {
        let model = try LoadedModel.load(bytes: mlp().bytes(), name: "mlp")
        #expect(!model.usesFastPath)
        #expect(model.inputNames == ["x"] && model.outputNames == ["y"])
        let outputs = try model.evaluate(["x": Tensor(shape: [1, 2], data: [1, 2])])
        // z = [1 + 4 + 0.5, -1 + 1 - 0.5] = [5.5, -0.5]; relu → [5.5, 0]; softmax.
        let expected = Float(1 / (1 + exp(-5.5)))
        let y = try #require(outputs["y"])
        #expect(y.shape == [1, 2])
        #expect(abs(y.data[0] - expected) < 1e-6 && abs(y.data[1] - (1 - expected)) < 1e-6)
    }

    @Test func rejectsWrongInputShapes() throws {
        let model = try LoadedModel.load(bytes: mlp().bytes(), name: "mlp")
        let error = #expect(throws: EvaluatorError.self) {
            try model.evaluate(["x": Tensor(shape: [1, 3], data: [1, 2, 3])])
        }
        #expect(error?.code == "invalid_input")
    }

    @Test func unsupportedOperatorNamesTheNode() {
        var builder = mlp()
        builder.node("Loop", ["y"], ["w"])
        let error = #expect(throws: EvaluatorError.self) { try LoadedModel.load(bytes: builder.bytes(), name: "m") }
        #expect(error?.code == "unsupported_operator")
        #expect(error?.message.contains("Loop") == true)
    }

    @Test func unsupportedAttributeIsALoadError() {
        var builder = ONNXBuilder()
        builder.input("x", shape: [5, 1, 2])
        builder.floats("W", [1, 4, 2], [Float](repeating: 0, count: 8))
        builder.floats("R", [1, 4, 1], [Float](repeating: 0, count: 4))
        builder.node("LSTM", ["x", "W", "R"], ["y"], ["hidden_size": .int(1), "direction": .string("reverse")])
        builder.output("y")
        let error = #expect(throws: EvaluatorError.self) { try LoadedModel.load(bytes: builder.bytes(), name: "m") }
        #expect(error?.code == "unsupported_attribute")
        #expect(error?.message.contains("reverse") == true)
    }

    @Test func unsupportedDataTypeIsALoadError() {
        var builder = mlp()
        builder.raw("d", [1], type: 11)
        let error = #expect(throws: EvaluatorError.self) { try LoadedModel.load(bytes: builder.bytes(), name: "m") }
        #expect(error?.code == "unsupported_data_type")
        #expect(error?.message.contains("d") == true)
    }

    @Test func missingFileAndGarbageAreClearErrors() {
        let missing = #expect(throws: EvaluatorError.self) { try LoadedModel.load(path: "/nonexistent/model.onnx") }
        #expect(missing?.code == "io_failed")
        let garbage = #expect(throws: EvaluatorError.self) {
            try LoadedModel.load(bytes: Array("not a model at all".utf8), name: "g")
        }
        #expect(garbage?.code == "model_load_failed")
        #expect(throws: EvaluatorError.self) { try LoadedModel.load(bytes: [], name: "empty") }
    }

    @Test(.enabled(if: TestData.isAvailable, TestData.skipMessage))
    func tf2onnxLoopIsRejectedByName() {
        let error = #expect(throws: EvaluatorError.self) {
            try LoadedModel.load(path: TestData.path("aloha-cnn-lstm.tf2onnx.onnx"))
        }
        #expect(error?.code == "unsupported_operator")
        #expect(error?.message.contains("node") == true)
    }

    @Test(.enabled(if: TestData.isAvailable, TestData.skipMessage))
    func truncatedFilesThrowAndBitFlipsNeverTrap() throws {
        let bytes = try TestData.bytes("aloha-cnn-lstm.fused.onnx")
        var generator = SplitMix(seed: 42)
        for _ in 0..<40 {
            let cut = Int(generator.next() % UInt64(bytes.count - 1))
            #expect(throws: EvaluatorError.self) { try LoadedModel.load(bytes: Array(bytes[..<cut]), name: "cut") }
        }
        let input = ["text_input": Tensor(shape: [1, 50], data: [Float](repeating: 3, count: 50))]
        var failures = 0
        for _ in 0..<60 {
            var flipped = bytes
            // Flip bits in the structural part (node list, names, headers) where damage is most likely.
            for _ in 0..<3 {
                let index = Int(generator.next() % 4096)
                flipped[index] ^= UInt8(1 << (generator.next() % 8))
            }
            do {
                let model = try LoadedModel.load(bytes: flipped, name: "flipped")
                if model.inputNames == ["text_input"] {
                    _ = try? model.evaluate(input)
                }
            } catch {
                failures += 1
            }
        }
        #expect(failures > 0)
    }
}
