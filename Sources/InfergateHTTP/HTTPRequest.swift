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
