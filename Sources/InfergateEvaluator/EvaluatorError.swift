/// A failure of the local model evaluator: loading a model, decoding a request or running the graph.
///
/// `code` is short and bounded (safe as a metric label or audit column); `message` is for people and names
/// the node, field or row at fault; `row` is the zero-based input row when one row is to blame.
/// Messages never contain request payloads beyond the offending value.
public struct EvaluatorError: Error, Sendable, CustomStringConvertible {
    /// The bounded code: `model_load_failed`, `unsupported_operator`, `unsupported_attribute`,
    /// `unsupported_data_type`, `invalid_model`, `invalid_input`, `evaluation_failed` or `io_failed`.
    public var code: String
    public var message: String
    public var row: Int?
    /// What the evaluator was doing (`load`, `decode`, `evaluate`, `read`), for logs.
    public var operation: String

    public init(code: String, message: String, row: Int? = nil, operation: String = "evaluate") {
        self.code = code
        self.message = message
        self.row = row
        self.operation = operation
    }

    /// The HTTP status a gateway answers with: 400 for bad input, 500 for everything else.
    public var httpStatus: Int { code == "invalid_input" ? 400 : 500 }

    public var description: String {
        let rowText = row.map { " (row \($0))" } ?? ""
        return "\(code): \(message)\(rowText)"
    }

    /// A file that is not well-formed protobuf/ONNX.
    static func corrupt(_ message: String) -> EvaluatorError {
        EvaluatorError(code: "model_load_failed", message: message, operation: "load")
    }

    /// A well-formed model whose graph is wired wrongly.
    static func invalidModel(_ message: String) -> EvaluatorError {
        EvaluatorError(code: "invalid_model", message: message, operation: "load")
    }

    /// A node, attribute or data type the evaluator does not implement; `node` names it.
    static func unsupported(_ code: String, node: String, _ message: String) -> EvaluatorError {
        EvaluatorError(code: code, message: "node \(node): \(message)", operation: "load")
    }

    /// A request the model cannot take; `row` is the zero-based row at fault.
    static func invalidInput(_ message: String, row: Int? = nil) -> EvaluatorError {
        EvaluatorError(code: "invalid_input", message: message, row: row, operation: "decode")
    }

    /// A shape or value problem found while running `node`.
    static func evaluation(node: String, _ message: String) -> EvaluatorError {
        EvaluatorError(code: "evaluation_failed", message: "node \(node): \(message)")
    }
}
