import Glibc

/// An error raised by the HTTP front: a failed system call, or a configuration it cannot serve.
///
/// `operation` names the call (`bind`, `accept`), `errnoCode` the native errno and `message` its
/// `strerror` text; `code` is a short bounded string safe for metrics and audit rows.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var errnoCode: Int32
    public var message: String
    public var code: String

    public init(operation: String, errnoCode: Int32, message: String, code: String) {
        self.operation = operation
        self.errnoCode = errnoCode
        self.message = message
        self.code = code
    }

    /// An error for `operation` carrying `errnoCode` and its text from `strerror`.
    static func system(_ operation: String, errno errnoCode: Int32) -> HTTPServerError {
        let text = Syscalls.cText(strerror(errnoCode))
        return HTTPServerError(operation: operation, errnoCode: errnoCode, message: text, code: "http.syscall")
    }

    public var description: String {
        "\(operation) failed: \(message) (errno \(errnoCode), \(code))"
    }
}
