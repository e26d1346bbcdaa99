/// The two Wallaroo request/response body formats the local evaluator speaks.
///
/// `legacy` is the tensor-dictionary JSON (`{"text_input":[[...],...]}` in, an `InferenceResult` list
/// out); `pandasRecords` is `application/json; format=pandas-records` (one object per row both ways).
public enum WallarooFormat: String, Sendable {
    case legacy
    case pandasRecords = "pandas-records"

    /// Guesses the format from the first non-whitespace byte: `{` is legacy, `[` pandas records.
    public static func detect(_ body: [UInt8]) -> WallarooFormat? {
        let first = body.first { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }
        switch first {
        case UInt8(ascii: "{"): return .legacy
        case UInt8(ascii: "["): return .pandasRecords
        default: return nil
        }
    }
}

/// Decodes Wallaroo request bodies into model inputs and encodes model outputs into Wallaroo responses.
///
/// Stateless and thread-safe. Decoding validates every row against the model (input names, row width,
/// numbers only, token range for embedding models) and reports the first bad row.
public enum WallarooCodec {
    /// Parses a request body (legacy tensor JSON `{"text_input":[[...],...]}` or pandas records
    /// `[{"text_input":[...]}, ...]`) into one [rows, width] tensor per model input.
    ///
    /// Wrong key, wrong width, non-numeric or out-of-range values throw `invalid_input` whose message and
    /// `row` say which row and why. Pass `format: nil` to detect it from the body.
    public static func decodeInput(
        _ body: [UInt8],
        format: WallarooFormat?,
        model: LoadedModel
    ) throws(EvaluatorError) -> [String: Tensor] {
        guard let format = format ?? WallarooFormat.detect(body) else {
            throw .invalidInput("the body is neither a JSON object (legacy) nor a JSON array (pandas records)")
        }
        var decoder = InputDecoder(body: body, model: model)
        let columns = format == .legacy ? try decoder.decodeLegacy() : try decoder.decodePandasRecords()
        var inputs: [String: Tensor] = [:]
        for name in model.inputNames {
            guard let column = columns[name] else {
                throw .invalidInput("the body has no \(name) input")
            }
            let width = decoder.width(of: name) ?? (column.rows == 0 ? 0 : column.values.count / column.rows)
            inputs[name] = Tensor(shape: [column.rows] + decoder.rowShape(of: name, width: width), data: column.values)
        }
        return inputs
    }
}
