import Foundation
import InfergateCore

/// The `infergate eval` subcommand: evaluates a request body file with a local ONNX model.
///
/// `infergate eval --model FILE --input FILE [--format legacy|pandas-records] [--pipeline NAME]
/// [--bench N]` prints the response body to stdout and progress lines to stderr. With `--bench N` it
/// instead times N model calls (decoding and encoding excluded) and prints one JSON line of timings.
public enum EvalCommand {
    /// Runs the subcommand with the arguments after `eval`; returns the process exit status.
    public static func run(arguments: [String]) -> Int32 {
        let logger = Logger(label: "infergate.eval")
        guard let options = EvalOptions(arguments) else {
            FileHandle.standardError.write(Data((EvalOptions.usage + "\n").utf8))
            return 2
        }
        do {
            return try execute(options, logger: logger)
        } catch {
            logger.error(
                "eval.failed", ["code": error.code, "message": error.message, "row": error.row.map(String.init) ?? ""])
            return 1
        }
    }

    private static func execute(_ options: EvalOptions, logger: Logger) throws(EvaluatorError) -> Int32 {
        let clock = SystemTimeSource()
        let loadStart = clock.monotonicNanoseconds
        let model = try LoadedModel.load(path: options.modelPath)
        logger.info(
            "eval.model.loaded",
            [
                "model": model.name, "sha256": model.sha256, "fast_path": String(model.usesFastPath),
                "ms": milliseconds(clock.monotonicNanoseconds - loadStart),
            ])
        guard let data = FileManager.default.contents(atPath: options.inputPath) else {
            throw EvaluatorError(
                code: "io_failed", message: "cannot read input file \(options.inputPath)", operation: "read")
        }
        let body = [UInt8](data)
        let decodeStart = clock.monotonicNanoseconds
        let format = options.format ?? WallarooFormat.detect(body) ?? .legacy
        let inputs = try WallarooCodec.decodeInput(body, format: format, model: model)
        let decodeNanoseconds = clock.monotonicNanoseconds - decodeStart
        let rows = inputs.values.first?.shape.first ?? 0
        logger.info(
            "eval.input.decoded",
            ["rows": String(rows), "format": format.rawValue, "ms": milliseconds(decodeNanoseconds)])
        if let repetitions = options.benchRepetitions {
            try benchmark(model, inputs: inputs, rows: rows, repetitions: repetitions)
            return 0
        }
        let evaluateStart = clock.monotonicNanoseconds
        let outputs = try model.evaluate(inputs)
        let elapsed = clock.monotonicNanoseconds - evaluateStart
        logger.info("eval.model.evaluated", ["rows": String(rows), "ms": milliseconds(elapsed)])
        let response = WallarooCodec.encodeOutput(
            outputs, inputs: inputs, format: format, model: model, pipelineName: options.pipelineName,
            elapsedNanoseconds: elapsed, timeMillis: clock.wallMicroseconds / 1000, decodeNanoseconds: decodeNanoseconds
        )
        logger.info(
            "eval.output.encoded",
            ["bytes": String(response.count), "ms": milliseconds(clock.monotonicNanoseconds - evaluateStart - elapsed)])
        FileHandle.standardOutput.write(Data(response))
        FileHandle.standardOutput.write(Data("\n".utf8))
        return 0
    }

    /// Times `repetitions` model calls after one warm-up and prints `{"rows":…,"median_ms":…,…}`.
    private static func benchmark(
        _ model: LoadedModel,
        inputs: [String: Tensor],
        rows: Int,
        repetitions: Int
    ) throws(EvaluatorError) {
        let clock = SystemTimeSource()
        _ = try model.evaluate(inputs)
        var samples: [UInt64] = []
        for _ in 0..<repetitions {
            let start = clock.monotonicNanoseconds
            _ = try model.evaluate(inputs)
            samples.append(clock.monotonicNanoseconds - start)
        }
        samples.sort()
        let median = Double(samples[samples.count / 2]) / 1e6
        let best = Double(samples[0]) / 1e6
        let line = String(
            format: "{\"rows\":%d,\"repetitions\":%d,\"median_ms\":%.4f,\"min_ms\":%.4f,\"rows_per_second\":%.0f}\n",
            rows, repetitions, median, best, Double(rows) / (median / 1e3))
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    private static func milliseconds(_ nanoseconds: UInt64) -> String {
        String(format: "%.3f", Double(nanoseconds) / 1e6)
    }
}

/// Parsed `eval` arguments; nil when they are incomplete or unknown.
struct EvalOptions {
    static let usage =
        "usage: infergate eval --model FILE --input FILE [--format legacy|pandas-records] [--pipeline NAME] [--bench N]"

    var modelPath = ""
    var inputPath = ""
    var format: WallarooFormat?
    var pipelineName = "infergate-local"
    var benchRepetitions: Int?

    /// Parses `--flag value` pairs; nil on an unknown flag, a missing value or a missing path.
    init?(_ arguments: [String]) {
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            guard let value = remaining.popFirst() else { return nil }
            switch flag {
            case "--model": modelPath = value
            case "--input": inputPath = value
            case "--pipeline": pipelineName = value
            case "--format":
                guard let parsed = WallarooFormat(rawValue: value) else { return nil }
                format = parsed
            case "--bench":
                guard let count = Int(value), count > 0 else { return nil }
                benchRepetitions = count
            default: return nil
            }
        }
        guard !modelPath.isEmpty, !inputPath.isEmpty else { return nil }
    }
}
