import InfergateCore

/// One request to forward upstream, sent as given.
///
/// `url` carries the raw query and is used verbatim (no dot-segment or percent
/// re-encoding); `headers` go out in order with their spelling, and the engine adds only
/// `Host` (unless given) and `Content-Length` for a body. Timeouts are in milliseconds:
/// `connectTimeoutMilliseconds` bounds the TCP and TLS set-up, `totalTimeoutMilliseconds`
/// the whole exchange including the wait for a free connection.
public struct UpstreamRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var connectTimeoutMilliseconds: Int = 5_000
    public var totalTimeoutMilliseconds: Int = 60_000
    public var tls: TLSOptions = .init()

    /// A request with the default timeouts (5 s connect, 60 s total) and verified TLS.
    public init(
        method: String,
        url: String,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        connectTimeoutMilliseconds: Int = 5_000,
        totalTimeoutMilliseconds: Int = 60_000,
        tls: TLSOptions = .init()
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.totalTimeoutMilliseconds = totalTimeoutMilliseconds
        self.tls = tls
    }
}
