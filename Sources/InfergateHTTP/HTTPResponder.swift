import Synchronization

/// What a responder delivered for one request; the connection writes it in request order.
enum HTTPCompletion: Sendable {
    case response(HTTPResponse)
    case raw([UInt8], after: AfterRawWrite)
    case abort
}

/// What the connection does once raw bytes are written.
enum AfterRawWrite: Sendable {
    case keepOpen, close, reset
}

/// The one-shot answer channel for one request; thread-safe, usable from any thread.
///
/// Exactly one of `send`, `sendRaw`, `sendRawThenReset` or `abort` is honoured; later calls
/// are ignored. Answers are written strictly in request order on a pipelined connection.
/// A responder released without an answer sends a 500, so a forgotten request never hangs.
public final class HTTPResponder: Sendable {
    private let isAnswered = Mutex(false)
    private let connection: HTTPConnection
    private let sequence: Int

    init(connection: HTTPConnection, sequence: Int) {
        self.connection = connection
        self.sequence = sequence
    }

    deinit {
        if claim() {
            let response = HTTPResponse.gatewayError(status: 500, message: "request was not answered")
            connection.deliver(.response(response), sequence: sequence)
        }
    }

    /// The executor of the worker thread that owns the connection: a handler task that prefers
    /// it resumes next to the connection, and its answer is written without another thread hop.
    public var taskExecutor: any TaskExecutor {
        connection.executor
    }

    /// Writes `response` once every earlier request on the connection has been answered.
    public func send(_ response: HTTPResponse) {
        deliver(.response(response))
    }

    /// Writes `bytes` verbatim in the response's place, then closes (FIN) when `thenClose`.
    ///
    /// For deliberate misbehaviour such as the Wallaroo stand-in's garbage answers; when the
    /// connection stays open the bytes must form a complete response or the client is confused.
    public func sendRaw(_ bytes: [UInt8], thenClose: Bool) {
        deliver(.raw(bytes, after: thenClose ? .close : .keepOpen))
    }

    /// Writes `bytes` verbatim, then closes with RST: a connection reset in the middle of a body.
    public func sendRawThenReset(_ bytes: [UInt8]) {
        deliver(.raw(bytes, after: .reset))
    }

    /// Closes the connection with RST (`SO_LINGER` 0) when this request's turn comes.
    public func abort() {
        deliver(.abort)
    }

    /// True if this call is the first answer.
    private func claim() -> Bool {
        isAnswered.withLock { answered in
            defer { answered = true }
            return !answered
        }
    }

    private func deliver(_ completion: HTTPCompletion) {
        guard claim() else {
            return
        }
        connection.deliver(completion, sequence: sequence)
    }
}
