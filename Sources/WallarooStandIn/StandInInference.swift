import Foundation
import InfergateCore

/// Renders the stand-in's inference results in Wallaroo's legacy and pandas-records shapes.
///
/// The numbers are pseudo-values, not a model: output `k` of a row is a fixed hash of the row
/// sum and `k`, in [0, 1), so equal inputs always give equal outputs. Key order and nesting
/// follow the recorded aloha fixtures (`response_data_1k.*.json`).
struct StandInInference {
    /// The request body is not JSON of the expected shape; `message` goes in the 400 body.
    struct InputError: Error {
        var message: String
    }

    /// Aloha's 15 outputs, alphabetical as the engine emits them.
    static let outputNames = [
        "banjori", "corebot", "cryptolocker", "dircrypt", "gozi", "kraken", "locky", "main",
        "matsnu", "pykspa", "qakbot", "ramdo", "ramnit", "simda", "suppobox",
    ]
    static let modelVersion = "5a3c0b7e-0d1f-4c59-9a3e-standin00001"
    static let pipelineVersion = "ae78a9cc-0000-4000-8000-standin00001"
    static let modelSHA = "d71d9ffc61aaac58c2b1ed70a2db13d1416fb9d3f5b891e5e4e2e97180fe22f8"

    var modelName: String
    var pipelineName: String

    /// The pseudo-output `index` for a row whose values sum to `sum`.
    static func output(sum: Double, index: Int) -> Float {
        let mixed = sin(sum * 12.9898 + Double(index) * 78.233) * 43_758.5453
        return Float(mixed - mixed.rounded(.down))
    }

    /// `[{"text_input":[…]}, …]` in, one record per row out.
    func pandasRecords(_ body: [UInt8], timeMillis: Int64) throws -> String {
        guard let rows = try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw InputError(message: "pandas records must be a list of objects")
        }
        let lastModel = JSONText.quote("{\"model_name\":\"\(modelName)\",\"model_sha\":\"\(Self.modelSHA)\"}")
        var out = "["
        for (rowIndex, row) in rows.enumerated() {
            var sum = 0.0
            var inputs = ""
            for (keyIndex, key) in row.keys.sorted().enumerated() {
                let values = try Self.numbers(row[key])
                sum += values.reduce(0, +)
                inputs += (keyIndex > 0 ? "," : "") + JSONText.quote(key) + ":" + Self.floatList(values)
            }
            out += rowIndex > 0 ? ",{" : "{"
            out += "\"time\":\(timeMillis),\"in\":{\(inputs)},\"out\":{"
            for (index, name) in Self.outputNames.enumerated() {
                out += (index > 0 ? ",\"" : "\"") + name + "\":[\(Self.output(sum: sum, index: index))]"
            }
            out += "},\"anomaly\":{\"count\":0},\"metadata\":{\"last_model\":\(lastModel)"
            out += ",\"pipeline_version\":\"\(Self.pipelineVersion)\",\"elapsed\":[53101,318104]"
            out += ",\"dropped\":[],\"partition\":\"engine-standin\"}}"
        }
        return out + "]"
    }

    /// `{"tensor":[[…], …]}` in, one legacy result with batched outputs out.
    func legacyResult(_ body: [UInt8], timeMillis: Int64) throws -> String {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let key = object.keys.sorted().first
        else {
            throw InputError(message: "input must be an object holding a tensor")
        }
        let rows: [[Double]]
        if let nested = object[key] as? [Any], nested.first is [Any] {
            rows = try nested.map { try Self.numbers($0) }
        } else {
            rows = [try Self.numbers(object[key])]
        }
        let sums = rows.map { $0.reduce(0, +) }
        var outputs: [String] = []
        for index in Self.outputNames.indices {
            let data = sums.map { String(describing: Self.output(sum: $0, index: index)) }.joined(separator: ",")
            outputs.append("{\"Float\":{\"data\":[\(data)],\"dim\":[\(rows.count),1],\"v\":1}}")
        }
        var out = "[{\"check_failures\":[],\"elapsed\":[53101,318104],\"model_name\":\(JSONText.quote(modelName))"
        out += ",\"model_version\":\"\(Self.modelVersion)\",\"original_data\":null"
        out += ",\"outputs\":[\(outputs.joined(separator: ","))]"
        out += ",\"pipeline_name\":\(JSONText.quote(pipelineName)),\"shadow_data\":{},\"time\":\(timeMillis)}]"
        return out
    }

    /// A number or a flat list of numbers as doubles; anything else is an input error.
    static func numbers(_ value: Any?) throws -> [Double] {
        if let number = value as? NSNumber, !(value is Bool) {
            return [number.doubleValue]
        }
        guard let list = value as? [Any] else {
            throw InputError(message: "tensor values may not be null")
        }
        return try list.map { element in
            guard let number = element as? NSNumber else {
                throw InputError(message: "tensor values must be numbers")
            }
            return number.doubleValue
        }
    }

    /// Values as a JSON list of float32 literals, so `28` comes back as `28.0` like the engine.
    static func floatList(_ values: [Double]) -> String {
        "[" + values.map { String(describing: Float($0)) }.joined(separator: ",") + "]"
    }
}
