import InfergateCore

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

    /// A response as the engine assembles it; public so tests and stand-ins can build one.
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
