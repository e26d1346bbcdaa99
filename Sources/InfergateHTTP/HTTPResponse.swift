import InfergateCore

/// A response to write; the server fills in `Content-Length`, `Date` and `Connection` as needed.
///
/// A `Content-Length` the handler sets is kept as given (it must match `body`); a handler's
/// `Connection: close` makes the server close after writing.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON error response in the gateway's error shape.
    public static func gatewayError(status: Int, message: String) -> HTTPResponse {
        let body = GatewayErrorBody(code: status, message: message)
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body.bytes)
    }
}

/// Handles one request and answers it through the responder, now or later, from any thread.
public typealias HTTPHandler = @Sendable (HTTPRequest, HTTPResponder) -> Void
