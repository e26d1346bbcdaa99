import InfergateCore
import InfergateTokens
import InfergateUpstream

/// Carries token requests over the shared libcurl engine, with the provider's TLS settings.
struct CurlTokenClient: TokenEndpointClient {
    let engine: TransferEngine
    let tls: TLSSettings

    func post(
        url: String,
        headers: HTTPHeaders,
        body: [UInt8],
        timeoutMilliseconds: Int
    ) async throws -> TokenHTTPResponse {
        var request = UpstreamRequest(method: "POST", url: url, headers: headers, body: body)
        request.totalTimeoutMilliseconds = timeoutMilliseconds
        request.connectTimeoutMilliseconds = min(timeoutMilliseconds, 5_000)
        request.tls = TLSOptions(verifyPeer: tls.verify, caBundlePath: tls.caBundlePath)
        let response = try await engine.perform(request)
        return TokenHTTPResponse(status: response.status, headers: response.headers, body: response.body)
    }
}
