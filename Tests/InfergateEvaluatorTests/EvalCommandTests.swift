import Foundation
import Testing

@testable import InfergateEvaluator

/// The `eval` subcommand's argument handling and exit statuses.
@Suite struct EvalCommandTests {
    @Test func parsesEveryOption() throws {
        let options = try #require(
            EvalOptions([
                "--model", "m.onnx", "--input", "in.json", "--format", "pandas-records", "--pipeline", "p",
                "--bench", "3",
            ]))
        #expect(options.modelPath == "m.onnx" && options.inputPath == "in.json")
        #expect(options.format == .pandasRecords && options.pipelineName == "p" && options.benchRepetitions == 3)
        #expect(EvalOptions(["--model", "m.onnx", "--input", "in.json"])?.format == nil)
    }

    @Test(arguments: [
        ["--model", "m.onnx"],
        ["--model", "m.onnx", "--input", "in.json", "--format", "arrow"],
        ["--model", "m.onnx", "--input", "in.json", "--bench", "0"],
        ["--model", "m.onnx", "--input"],
        ["--verbose", "x", "--model", "m.onnx", "--input", "in.json"],
    ])
    func rejectsBadUsage(arguments: [String]) {
        #expect(EvalOptions(arguments) == nil)
        #expect(EvalCommand.run(arguments: arguments) == 2)
    }

    @Test func failsCleanlyOnMissingFiles() {
        #expect(EvalCommand.run(arguments: ["--model", "/nonexistent.onnx", "--input", "/nonexistent.json"]) == 1)
    }

    @Test(.enabled(if: TestData.isAvailable, TestData.skipMessage))
    func evaluatesAFileAndRejectsABadBody() throws {
        let model = TestData.path("aloha-cnn-lstm.fused.onnx")
        #expect(EvalCommand.run(arguments: ["--model", model, "--input", TestData.path("data-1.json")]) == 0)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.json")
        try Data("{\"text_input\":[[1,2,3]]}".utf8).write(to: bad)
        #expect(EvalCommand.run(arguments: ["--model", model, "--input", bad.path]) == 1)
    }
}
