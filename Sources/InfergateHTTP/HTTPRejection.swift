import InfergateCore

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
