import Foundation
import InfergateCore

/// An ONNX model loaded, checked and ready to evaluate; immutable, so one instance serves all threads.
///
/// Loading parses the file, compiles every node (unsupported operators, attributes and data types fail
/// here, naming the node) and, when the graph has the Aloha CNN-LSTM structure, builds the fast path from
/// its weights. `evaluate` then uses the fast path when present and the generic executor otherwise.
public struct LoadedModel: Sendable {
    /// The file name without its extension (`aloha-cnn-lstm.fused`).
    public var name: String
    /// Lowercase hex SHA-256 of the file bytes, reported as `model_sha`.
    public var sha256: String
    public var inputNames: [String]
    /// Output names in the order the ONNX graph declares them.
    public var outputNames: [String]
    /// Declared input shapes; nil entries are symbolic (the batch dimension).
    public var inputShapes: [String: [Int?]]
    /// True when the structure-specific fast path will answer `evaluate`.
    public var usesFastPath: Bool { fastPath != nil }
    /// For embedding models on the fast path, the vocabulary size: inputs must be token ids below it.
    var tokenLimit: Int? { fastPath?.vocabulary }

    let executor: GraphExecutor
    let fastPath: AlohaFastPath?

    /// Reads and loads a model file; I/O failures are `io_failed`, bad contents `model_load_failed` and kin.
    public static func load(path: String) throws(EvaluatorError) -> LoadedModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluatorError(code: "io_failed", message: "cannot read model file \(path)", operation: "read")
        }
        let fileName = (path as NSString).lastPathComponent
        let name = fileName.hasSuffix(".onnx") ? String(fileName.dropLast(5)) : fileName
        return try load(bytes: [UInt8](data), name: name)
    }

    /// Loads a model from bytes already in memory.
    public static func load(bytes: [UInt8], name: String) throws(EvaluatorError) -> LoadedModel {
        let model = try ONNXModel.parse(bytes)
        guard model.opsetVersion >= 7 else {
            throw .invalidModel("opset \(model.opsetVersion) is older than the supported 7")
        }
        let executor = try GraphExecutor(graph: model.graph, opset: model.opsetVersion)
        let inputs = model.graph.inputs.filter { input in !model.graph.initializers.contains { $0.name == input.name } }
        return LoadedModel(
            name: name,
            sha256: SHA256.hexDigest(bytes),
            inputNames: inputs.map(\.name),
            outputNames: model.graph.outputs.map(\.name),
            inputShapes: Dictionary(inputs.map { ($0.name, $0.shape ?? []) }, uniquingKeysWith: { first, _ in first }),
            executor: executor,
            fastPath: AlohaFastPath(graph: model.graph, opset: model.opsetVersion))
    }

    /// Evaluates named float32 inputs and returns every graph output by name.
    ///
    /// Input shapes must match the declared ones (symbolic dimensions take any size). Runs on the calling
    /// thread plus, for large batches on the fast path, the other cores via `concurrentPerform`.
    public func evaluate(_ inputs: [String: Tensor]) throws(EvaluatorError) -> [String: Tensor] {
        try checkShapes(inputs)
        if let fastPath, let input = inputs[inputNames[0]] {
            return try fastPath.evaluate(input, outputNames: outputNames)
        }
        return try evaluateGeneric(inputs)
    }

    /// Evaluates with the generic executor only, skipping any fast path (tests compare the two).
    public func evaluateGeneric(_ inputs: [String: Tensor]) throws(EvaluatorError) -> [String: Tensor] {
        try checkShapes(inputs)
        let values = inputs.mapValues { Value(shape: $0.shape, floats: $0.data) }
        let outputs = try executor.run(values)
        return outputs.mapValues { value in
            let floats = value.type == .float ? value.floats : value.ints.map { Float($0) }
            return Tensor(shape: value.shape, data: floats)
        }
    }

    private func checkShapes(_ inputs: [String: Tensor]) throws(EvaluatorError) {
        for name in inputNames {
            guard let tensor = inputs[name] else {
                throw .invalidInput("missing input \(name)")
            }
            guard let declared = inputShapes[name], !declared.isEmpty else { continue }
            let matches =
                declared.count == tensor.shape.count
                && zip(declared, tensor.shape).allSatisfy { $0 == nil || $0 == $1 }
            guard matches else {
                let text = declared.map { $0.map(String.init) ?? "N" }.joined(separator: ", ")
                throw .invalidInput("input \(name) has shape \(tensor.shape), the model expects [\(text)]")
            }
        }
    }
}
