import InfergateCore

/// How the engine checks an upstream's TLS certificate.
///
/// Verification is on by default; `caBundlePath` replaces the system bundle when set
/// (a PEM file, read by OpenSSL when the first connection to a host is made).
public struct TLSOptions: Sendable, Equatable {
    public var verifyPeer: Bool = true
    public var caBundlePath: String? = nil

    public init(verifyPeer: Bool = true, caBundlePath: String? = nil) {
        self.verifyPeer = verifyPeer
        self.caBundlePath = caBundlePath
    }
}

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

/// The final response of an upstream exchange.
///
/// `headers` are those of the final response only (interim 1xx heads and trailers are
/// dropped), in wire order and spelling; HTTP/2 names arrive lowercase as sent. Header bytes
/// that are not UTF-8 are replaced with U+FFFD. `connectMicros` is the time until the TCP
/// connection was up (near zero on a reused connection); `totalMicros` covers the whole
/// transfer as libcurl measured it.
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var httpVersion: String
    public var connectMicros: Int
    public var totalMicros: Int

    public init(
        status: Int,
        headers: HTTPHeaders,
        body: [UInt8],
        httpVersion: String,
        connectMicros: Int,
        totalMicros: Int
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
        self.connectMicros = connectMicros
        self.totalMicros = totalMicros
    }
}

/// Limits and defaults shared by every transfer of one `TransferEngine`.
///
/// Connections beyond `maxConnectionsPerHost` or `maxTotalConnections` are not refused:
/// libcurl queues the transfer until a connection frees up, and the request's total timeout
/// keeps running meanwhile. `maxResponseBytes` bounds each response body (→ `.tooLarge`).
public struct TransferEngineConfiguration: Sendable {
    public var maxTotalConnections: Int = 1_024
    public var maxConnectionsPerHost: Int = 256
    public var maxResponseBytes: Int = 512 << 20
    public var userAgent: String? = nil

    public init(
        maxTotalConnections: Int = 1_024,
        maxConnectionsPerHost: Int = 256,
        maxResponseBytes: Int = 512 << 20,
        userAgent: String? = nil
    ) {
        self.maxTotalConnections = maxTotalConnections
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
    }
}
