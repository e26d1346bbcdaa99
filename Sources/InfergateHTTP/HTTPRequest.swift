import InfergateCore

/// The protocol version from a request line; only 1.0 and 1.1 are served.
public struct HTTPVersion: Sendable, Equatable {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let http10 = HTTPVersion(major: 1, minor: 0)
    public static let http11 = HTTPVersion(major: 1, minor: 1)
}

/// One complete request as received: raw target, headers in wire order, de-chunked body.
///
/// Nothing is decoded or normalised: `path` and `query` are the raw halves of `target`
/// around the first `?`, so the gateway can forward them byte for byte.
public struct HTTPRequest: Sendable {
    public var method: String
    public var target: String
    public var path: String
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var remoteAddress: String
    public var remotePort: Int
    /// Wall clock, microseconds since the epoch, when the first byte of the request line arrived.
    public var receivedAtMicros: Int64

    public init(
        method: String,
        target: String,
        version: HTTPVersion,
        headers: HTTPHeaders,
        body: [UInt8],
        remoteAddress: String,
        remotePort: Int,
        receivedAtMicros: Int64
    ) {
        self.method = method
        self.target = target
        if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = String(target[..<mark])
            query = String(target[target.utf8.index(after: mark)...])
        } else {
            path = target
            query = nil
        }
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.receivedAtMicros = receivedAtMicros
    }
}

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

/// A request the server refused itself (400, 408, 413, 431, 503, 505), reported for auditing.
///
/// Fields hold whatever was parsed before the failure; `code` is a short bounded string
/// such as `http.header_too_large`.
public struct HTTPRejection: Sendable {
    public var status: Int
    public var reason: String
    public var code: String
    public var method: String?
    public var target: String?
    public var headers: HTTPHeaders
    public var remoteAddress: String
    public var receivedAtMicros: Int64
    public var bytesReceived: Int

    public init(
        status: Int,
        reason: String,
        code: String,
        method: String? = nil,
        target: String? = nil,
        headers: HTTPHeaders = [:],
        remoteAddress: String,
        receivedAtMicros: Int64,
        bytesReceived: Int
    ) {
        self.status = status
        self.reason = reason
        self.code = code
        self.method = method
        self.target = target
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.receivedAtMicros = receivedAtMicros
        self.bytesReceived = bytesReceived
    }
}

/// Limits and timeouts of an `HTTPServer`; every field has a production default.
public struct HTTPServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 binds an ephemeral port; `HTTPServer.start()` returns the one chosen.
    public var port: Int = 8080
    /// Request line plus headers; beyond it the answer is 431.
    public var maxHeaderBytes: Int = 16_384
    /// Declared or de-chunked body size; beyond it the answer is 413.
    public var maxBodyBytes: Int = 64 << 20
    /// The whole head must arrive within this time of its first byte, else 408 and close.
    public var headerTimeoutMilliseconds: Int = 10_000
    /// The whole body must arrive within this time of the end of the head, else 408 and close.
    public var bodyTimeoutMilliseconds: Int = 60_000
    /// An idle keep-alive connection is closed silently after this time.
    public var keepAliveTimeoutMilliseconds: Int = 60_000
    /// Connections beyond this are accepted, answered 503 with `Connection: close`, and closed.
    public var maxConnections: Int = 4_096
    /// Requests parsed ahead of their responses; beyond it the connection stops reading.
    public var maxPipelinedRequests: Int = 64
    /// Event-loop threads that own connections; 0 means one per active processor.
    public var workerCount: Int = 0

    public init() {}
}
