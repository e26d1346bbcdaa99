import InfergateAudit
import InfergateCore
import InfergateHTTP

/// Everything learnt about one request on its way through the gateway.
///
/// It becomes the request's audit row and its metrics when the answer is ready. It is owned
/// by the task handling the request and never shared.
struct Exchange {
    let request: HTTPRequest
    let requestID: String
    let startNanoseconds: UInt64
    var caller: String?
    var routeName: String?
    var upstreamURL: String?
    var upstreamLatencyMicros: Int64?
    var upstreamAttempts = 0
    var tokenFingerprint: String?
    var errorCode: String?
    var fallbackReason: String?
    var servedBy: ServedBy = .gateway
    var extraResponseHeaders = HTTPHeaders()

    init(request: HTTPRequest, requestID: String, startNanoseconds: UInt64) {
        self.request = request
        self.requestID = requestID
        self.startNanoseconds = startNanoseconds
    }

    /// The audit row for this exchange answered with `response`.
    func auditRecord(response: HTTPResponse, nowNanoseconds: UInt64) -> AuditRecord {
        AuditRecord(
            requestID: requestID,
            receivedAtMicros: request.receivedAtMicros,
            caller: caller,
            sourceAddress: request.remoteAddress,
            method: request.method,
            path: request.target,
            route: routeName,
            upstreamURL: upstreamURL,
            requestHeaders: request.headers,
            responseHeaders: response.headers,
            requestBody: request.body,
            responseBody: response.body,
            status: response.status,
            servedBy: servedBy,
            totalLatencyMicros: Int64((nowNanoseconds &- startNanoseconds) / 1000),
            upstreamLatencyMicros: upstreamLatencyMicros,
            bytesIn: request.body.count,
            bytesOut: response.body.count,
            tokenFingerprint: tokenFingerprint,
            errorCode: errorCode,
            upstreamAttempts: upstreamAttempts,
            fallbackReason: fallbackReason
        )
    }
}
