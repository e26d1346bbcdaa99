import InfergateCore

/// Who produced the response a caller received.
public enum ServedBy: String, Sendable, CaseIterable {
    case upstream
    case gateway
    case localModel = "local-model"
}

/// Everything the gateway knows about one request, handed to `AuditLog.record(_:)`.
///
/// Headers and bodies arrive raw and complete: the audit module redacts credentials, caps
/// bodies at `AuditConfiguration.maxBodyBytes` and hashes them, so callers never pre-filter.
/// Times are UTC microseconds since the Unix epoch; latencies are microseconds.
public struct AuditRecord: Sendable {
    public var requestID: String
    public var receivedAtMicros: Int64
    public var caller: String?
    public var sourceAddress: String
    public var method: String
    /// The raw request target, query included; query credentials are redacted on store.
    public var path: String
    public var route: String?
    public var upstreamURL: String?
    public var requestHeaders: HTTPHeaders
    public var responseHeaders: HTTPHeaders
    public var requestBody: [UInt8]
    public var responseBody: [UInt8]
    public var status: Int
    public var servedBy: ServedBy
    public var totalLatencyMicros: Int64
    public var upstreamLatencyMicros: Int64?
    public var bytesIn: Int
    public var bytesOut: Int
    public var tokenFingerprint: String?
    /// A short bounded code such as `upstream_timeout` or `rate_limited`; nil on success.
    public var errorCode: String?
    public var upstreamAttempts: Int
    public var fallbackReason: String?

    /// A record with every field given; optionals and counters default to "none".
    public init(
        requestID: String,
        receivedAtMicros: Int64,
        caller: String? = nil,
        sourceAddress: String,
        method: String,
        path: String,
        route: String? = nil,
        upstreamURL: String? = nil,
        requestHeaders: HTTPHeaders = HTTPHeaders(),
        responseHeaders: HTTPHeaders = HTTPHeaders(),
        requestBody: [UInt8] = [],
        responseBody: [UInt8] = [],
        status: Int,
        servedBy: ServedBy,
        totalLatencyMicros: Int64,
        upstreamLatencyMicros: Int64? = nil,
        bytesIn: Int = 0,
        bytesOut: Int = 0,
        tokenFingerprint: String? = nil,
        errorCode: String? = nil,
        upstreamAttempts: Int = 0,
        fallbackReason: String? = nil
    ) {
        self.requestID = requestID
        self.receivedAtMicros = receivedAtMicros
        self.caller = caller
        self.sourceAddress = sourceAddress
        self.method = method
        self.path = path
        self.route = route
        self.upstreamURL = upstreamURL
        self.requestHeaders = requestHeaders
        self.responseHeaders = responseHeaders
        self.requestBody = requestBody
        self.responseBody = responseBody
        self.status = status
        self.servedBy = servedBy
        self.totalLatencyMicros = totalLatencyMicros
        self.upstreamLatencyMicros = upstreamLatencyMicros
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.tokenFingerprint = tokenFingerprint
        self.errorCode = errorCode
        self.upstreamAttempts = upstreamAttempts
        self.fallbackReason = fallbackReason
    }
}
