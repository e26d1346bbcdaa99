import InfergateCore

/// Response bodies in the shapes the Wallaroo engine writes (keys, nesting and order as in the recorded
/// `response_data_1k.*` files).
extension WallarooCodec {
    /// The `partition` a locally evaluated record reports, so callers can tell it from a pipeline answer.
    public static let localPartition = "infergate-local"

    /// Encodes outputs exactly like the pipeline: a legacy `InferenceResult` list or pandas records.
    ///
    /// Outputs are listed alphabetically by name, as Wallaroo does. `elapsed` is written as
    /// `[decodeNanoseconds, elapsedNanoseconds]` (input handling, then the model step); `timeMillis` is
    /// milliseconds since the epoch. Legacy `model_version` carries the model's SHA-256, and pandas
    /// `metadata.last_model` names the local model and its SHA-256.
    public static func encodeOutput(
        _ outputs: [String: Tensor],
        inputs: [String: Tensor],
        format: WallarooFormat,
        model: LoadedModel,
        pipelineName: String,
        elapsedNanoseconds: UInt64,
        timeMillis: Int64,
        decodeNanoseconds: UInt64 = 0
    ) -> [UInt8] {
        let elapsed = [decodeNanoseconds, elapsedNanoseconds]
        switch format {
        case .legacy:
            return encodeLegacy(outputs, model: model, pipelineName: pipelineName, elapsed: elapsed, time: timeMillis)
        case .pandasRecords:
            return encodeRecords(outputs, inputs: inputs, model: model, elapsed: elapsed, time: timeMillis)
        }
    }

    private static func encodeLegacy(
        _ outputs: [String: Tensor],
        model: LoadedModel,
        pipelineName: String,
        elapsed: [UInt64],
        time: Int64
    ) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(outputs.values.reduce(256) { $0 + $1.data.count * 24 })
        body.append(contentsOf: "[{\"check_failures\":[],\"elapsed\":".utf8)
        appendIntegers(elapsed, to: &body)
        body.append(contentsOf: ",\"model_name\":\(JSONText.quote(model.name))".utf8)
        body.append(contentsOf: ",\"model_version\":\(JSONText.quote(model.sha256))".utf8)
        body.append(contentsOf: ",\"original_data\":null,\"outputs\":[".utf8)
        for (index, name) in outputs.keys.sorted().enumerated() {
            guard let tensor = outputs[name] else { continue }
            body.append(contentsOf: (index == 0 ? "" : ",").utf8)
            body.append(contentsOf: "{\"Float\":{\"data\":[".utf8)
            for (position, value) in tensor.data.enumerated() {
                if position > 0 {
                    body.append(UInt8(ascii: ","))
                }
                FloatText.append(Double(value), to: &body)
            }
            body.append(contentsOf: "],\"dim\":".utf8)
            appendIntegers(tensor.shape, to: &body)
            body.append(contentsOf: ",\"v\":1}}".utf8)
        }
        body.append(contentsOf: "],\"pipeline_name\":\(JSONText.quote(pipelineName))".utf8)
        body.append(contentsOf: ",\"shadow_data\":{},\"time\":".utf8)
        FloatText.appendInteger(time, to: &body)
        body.append(contentsOf: "}]".utf8)
        return body
    }

    private static func encodeRecords(
        _ outputs: [String: Tensor],
        inputs: [String: Tensor],
        model: LoadedModel,
        elapsed: [UInt64],
        time: Int64
    ) -> [UInt8] {
        let rows = inputs.values.first?.shape.first ?? outputs.values.first?.shape.first ?? 0
        let lastModel = "{\"model_name\":\(JSONText.quote(model.name)),\"model_sha\":\(JSONText.quote(model.sha256))}"
        var trailer: [UInt8] = Array(",\"anomaly\":{\"count\":0},\"metadata\":{\"last_model\":".utf8)
        trailer.append(contentsOf: JSONText.quote(lastModel).utf8)
        trailer.append(contentsOf: ",\"pipeline_version\":\"\",\"elapsed\":".utf8)
        appendIntegers(elapsed, to: &trailer)
        trailer.append(contentsOf: ",\"dropped\":[],\"partition\":\(JSONText.quote(localPartition))}}".utf8)
        var timeText: [UInt8] = []
        FloatText.appendInteger(time, to: &timeText)
        let outputNames = outputs.keys.sorted()
        var body: [UInt8] = [UInt8(ascii: "[")]
        body.reserveCapacity(rows * (trailer.count + 600))
        for row in 0..<rows {
            body.append(contentsOf: (row == 0 ? "{\"time\":" : ",{\"time\":").utf8)
            body.append(contentsOf: timeText)
            body.append(contentsOf: ",\"in\":".utf8)
            appendRowObject(inputs, names: model.inputNames, row: row, rows: rows, to: &body)
            body.append(contentsOf: ",\"out\":".utf8)
            appendRowObject(outputs, names: outputNames, row: row, rows: rows, to: &body)
            body.append(contentsOf: trailer)
        }
        body.append(UInt8(ascii: "]"))
        return body
    }

    /// `{"name":[row values],...}` for one row of each named tensor (float32 shortest text).
    private static func appendRowObject(
        _ tensors: [String: Tensor],
        names: [String],
        row: Int,
        rows: Int,
        to body: inout [UInt8]
    ) {
        body.append(UInt8(ascii: "{"))
        for (index, name) in names.enumerated() {
            guard let tensor = tensors[name] else { continue }
            if index > 0 {
                body.append(UInt8(ascii: ","))
            }
            body.append(contentsOf: "\(JSONText.quote(name)):[".utf8)
            let width = rows == 0 ? 0 : tensor.data.count / rows
            for position in 0..<width {
                if position > 0 {
                    body.append(UInt8(ascii: ","))
                }
                FloatText.append(tensor.data[row * width + position], to: &body)
            }
            body.append(UInt8(ascii: "]"))
        }
        body.append(UInt8(ascii: "}"))
    }

    private static func appendIntegers<T: BinaryInteger>(_ values: [T], to body: inout [UInt8]) {
        body.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 {
                body.append(UInt8(ascii: ","))
            }
            FloatText.appendInteger(value, to: &body)
        }
        body.append(UInt8(ascii: "]"))
    }
}
