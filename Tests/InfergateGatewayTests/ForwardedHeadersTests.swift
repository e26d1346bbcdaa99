import InfergateCore
import Testing

@testable import InfergateGateway

@Suite struct ForwardedHeadersTests {
    @Test func requestsLoseCredentialsAndHopByHopFields() {
        let incoming: HTTPHeaders = [
            "Host": "gateway", "Content-Type": "application/json; format=pandas-records", "Accept": "application/json",
            "format": "arrow", "Authorization": "Bearer caller-token", "Connection": "keep-alive, X-Private",
            "X-Private": "1", "Keep-Alive": "timeout=5", "Content-Length": "10", "X-Infergate-Key": "k",
            "X-Forwarded-For": "10.0.0.1", "X-Request-Id": "old",
        ]
        let out = ForwardedHeaders.upstreamRequestHeaders(
            from: incoming,
            requestID: "rid",
            clientAddress: "127.0.0.1",
            bearerToken: "gateway-token"
        )
        #expect(out["Content-Type"] == "application/json; format=pandas-records")
        #expect(out["Accept"] == "application/json")
        #expect(out["format"] == "arrow")
        #expect(out.values(for: "Authorization") == ["Bearer gateway-token"])
        #expect(out["X-Private"] == nil)
        #expect(out["Keep-Alive"] == nil)
        #expect(out["Host"] == nil)
        #expect(out["X-Infergate-Key"] == nil)
        #expect(out["X-Request-Id"] == "rid")
        #expect(out["X-Forwarded-For"] == "10.0.0.1, 127.0.0.1")
    }

    @Test func routeWithoutProviderSendsNoAuthorization() {
        let out = ForwardedHeaders.upstreamRequestHeaders(
            from: ["Authorization": "Basic abc"],
            requestID: "r",
            clientAddress: "::1",
            bearerToken: nil
        )
        #expect(!out.contains("Authorization"))
    }

    @Test func requestIDsAreValidatedOrGenerated() {
        #expect(RequestID.accept("abc-123") == "abc-123")
        #expect(RequestID.accept("has space") == nil)
        #expect(RequestID.accept(String(repeating: "a", count: 200)) == nil)
        let generated = RequestID.generate()
        #expect(generated.count == 32)
        #expect(generated != RequestID.generate())
    }
}
