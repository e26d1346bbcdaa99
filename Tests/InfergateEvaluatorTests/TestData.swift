import Foundation
import Testing

@testable import InfergateEvaluator

/// Locates the shared Wallaroo tutorial data beside the package (`../shared/wallaroo-data`), never copied in.
enum TestData {
    static let directory: String = {
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/wallaroo-data").path
    }()

    static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: path("aloha-cnn-lstm.fused.onnx"))
    }

    static let skipMessage: Comment = "needs ../shared/wallaroo-data (the Wallaroo tutorial files) beside the package"

    static func path(_ name: String) -> String { directory + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    static let model: LoadedModel? = try? LoadedModel.load(path: path("aloha-cnn-lstm.fused.onnx"))

    /// The rows of a legacy `{"text_input": [[...], ...]}` file as one [N, 50] tensor.
    static func legacyRows(_ name: String) throws -> Tensor {
        let object = try JSONSerialization.jsonObject(with: Data(try bytes(name))) as? [String: [[Double]]]
        let rows = try #require(object?["text_input"])
        return Tensor(shape: [rows.count, 50], data: rows.flatMap { $0.map { Float($0) } })
    }

    /// The recorded pipeline outputs for data-1k, by output name.
    static func expectedOutputs() throws -> [String: [Double]] {
        let object = try JSONSerialization.jsonObject(with: Data(try bytes("expected_outputs_data-1k.json")))
        let outputs = (object as? [String: Any])?["outputs"] as? [String: [Double]]
        return try #require(outputs)
    }
}
