import InfergateCore

/// What the token endpoint answered: status, headers and the raw body.
///
/// The provider validates every field itself; the client only reports what arrived.
public struct TokenHTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    /// A response as received; headers default to none.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The HTTP transport the provider uses to reach the token endpoint.
///
/// The gateway implements it with its libcurl transfer engine; tests script it in memory.
/// Any HTTP status is a normal return: only transport failures throw.
public protocol TokenEndpointClient: Sendable {
    /// POSTs a form body; throws on transport failure (connect refused, timeout, reset...).
    func post(
        url: String,
        headers: HTTPHeaders,
        body: [UInt8],
        timeoutMilliseconds: Int
    ) async throws -> TokenHTTPResponse
}
