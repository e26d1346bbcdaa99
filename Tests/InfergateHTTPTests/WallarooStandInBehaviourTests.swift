import Foundation
import InfergateCore
import Testing
import WallarooStandIn

extension HTTPModuleTests {
    @Suite("WallarooStandIn pipeline misbehaviour")
    struct WallarooStandInBehaviourTests {
        static let path = "/v1/api/pipelines/infer/aloha-1"
        static let body = Array(#"{"tensor":[[1,2]]}"#.utf8)

        /// Sends one authorised legacy request and returns the client to read the answer from.
        private func send(_ port: Int, token: String, timeoutMilliseconds: Int = 2_000) throws -> RawHTTPClient {
            let client = try RawHTTPClient(port: port, timeoutMilliseconds: timeoutMilliseconds)
            var head = "POST \(Self.path) HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer \(token)\r\n"
            head += "Content-Type: application/json\r\nContent-Length: \(Self.body.count)\r\n\r\n"
            try client.send(Array(head.utf8) + Self.body)
            return client
        }

        @Test("status switch answers the given status, body and content type")
        func status() async throws {
            try await withStandIn { standIn, port in
                standIn.setPipelineBehaviour(.status(500, body: "boom", contentType: "text/plain"))
                let response = try send(port, token: "any").readResponse()
                #expect(response.status == 500)
                #expect(response.text == "boom")
                #expect(response.header("Content-Type") == "text/plain")
                #expect(standIn.stats.pipelineRequests == 1)
            }
        }

        @Test("retryAfter answers 429 or 503 with a Retry-After header")
        func retryAfter() async throws {
            try await withStandIn { standIn, port in
                standIn.setPipelineBehaviour(.retryAfter(status: 429, seconds: 7))
                let response = try send(port, token: "any").readResponse()
                #expect(response.status == 429)
                #expect(response.header("Retry-After") == "7")
                #expect(response.text.contains(#""source":"engine""#))
            }
        }

        @Test("delay answers normally after the delay")
        func delay() async throws {
            try await withStandIn { standIn, port in
                let token = try fetchToken(port)
                standIn.setPipelineBehaviour(.delay(milliseconds: 250))
                let started = Date()
                let response = try send(port, token: token).readResponse()
                #expect(response.status == 200)
                #expect(Date().timeIntervalSince(started) >= 0.25)
            }
        }

        @Test("resetMidBody resets the connection inside a promised body")
        func resetMidBody() async throws {
            try await withStandIn { standIn, port in
                standIn.setPipelineBehaviour(.resetMidBody)
                let client = try send(port, token: "any")
                #expect(throws: RawHTTPClient.ClientError.self) { try client.readResponse() }
            }
        }

        @Test("garbage answers bytes that are not HTTP, then closes")
        func garbage() async throws {
            try await withStandIn { standIn, port in
                standIn.setPipelineBehaviour(.garbage)
                let bytes = try send(port, token: "any").readToEnd()
                #expect(!bytes.isEmpty)
                #expect(!String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            }
        }

        @Test("closeBeforeResponse closes without a byte")
        func closeBeforeResponse() async throws {
            try await withStandIn { standIn, port in
                standIn.setPipelineBehaviour(.closeBeforeResponse)
                let bytes = try send(port, token: "any").readToEnd()
                #expect(bytes.isEmpty)
            }
        }

        @Test("hang never answers until shutdown")
        func hang() async throws {
            try await withStandIn { standIn, port in
                standIn.setPipelineBehaviour(.hang)
                let client = try send(port, token: "any", timeoutMilliseconds: 300)
                #expect(client.waitForEnding() == .timedOut)
                standIn.setPipelineBehaviour(.normal)
                let token = try fetchToken(port)
                #expect(try send(port, token: token).readResponse().status == 200)
            }
        }
    }
}
