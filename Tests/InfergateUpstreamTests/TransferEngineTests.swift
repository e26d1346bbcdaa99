import Foundation
import InfergateCore
import Testing

@testable import InfergateUpstream

/// The engine against a real loopback server: what goes out and what comes back, byte for byte.
@Suite("TransferEngine pass-through")
struct TransferEngineTests {
    static let rawQuery = "?dataset%5B%5D=%2A&dataset.exclude%5B%5D=metadata&dataset.separator=."

    /// An engine whose logger only prints errors, to keep test output readable.
    static func makeEngine(_ configuration: TransferEngineConfiguration = .init()) throws -> TransferEngine {
        try TransferEngine(configuration: configuration, logger: Logger(label: "test.upstream", minimumLevel: .error))
    }

    /// Splits an echoed request into its request line, header lines and body.
    static func parseEcho(_ raw: [UInt8]) -> (line: String, headers: [String], body: [UInt8])? {
        guard
            let end = raw.indices.first(where: { index in
                index + 3 < raw.count && raw[index] == 13 && raw[index + 1] == 10 && raw[index + 2] == 13
                    && raw[index + 3] == 10
            })
        else {
            return nil
        }
        let lines = String(decoding: raw[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        return (lines[0], Array(lines.dropFirst()), Array(raw[(end + 4)...]))
    }

    @Test func forwardsMethodQueryHeadersAndBinaryBodyVerbatim() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try Self.makeEngine()
        defer { engine.shutdown() }
        let body: [UInt8] = (0..<4_096).map { UInt8(truncatingIfNeeded: $0 &* 7) } + [0, 13, 10, 13, 10, 255]
        let headers = HTTPHeaders([
            ("Content-Type", "application/json; format=pandas-records"),
            ("format", "arrow"),
            ("X-Request-Id", "abc-123"),
            ("x-lower", "Mixed  Value"),
            ("X-Empty", ""),
        ])
        let request = UpstreamRequest(
            method: "POST",
            url: server.url("/echo/pipelines/aloha" + Self.rawQuery),
            headers: headers,
            body: body
        )

        let response = try await engine.perform(request)

        #expect(response.status == 200)
        #expect(response.httpVersion == "1.1")
        let echo = try #require(Self.parseEcho(response.body))
        #expect(echo.line == "POST /echo/pipelines/aloha\(Self.rawQuery) HTTP/1.1")
        #expect(echo.body == body)
        let expected = [
            "Host: 127.0.0.1:\(server.port)",
            "Content-Type: application/json; format=pandas-records",
            "format: arrow",
            "X-Request-Id: abc-123",
            "x-lower: Mixed  Value",
            "X-Empty:",
            "Content-Length: \(body.count)",
        ]
        #expect(echo.headers == expected)
    }

    @Test func injectsNoAcceptExpectOrContentTypeIntoBodylessAndBodyRequests() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try Self.makeEngine()
        defer { engine.shutdown() }

        let get = try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/echo/a")))
        let big = [UInt8](repeating: 0x41, count: 2 << 20)
        let put = try await engine.perform(UpstreamRequest(method: "PUT", url: server.url("/echo/b"), body: big))

        let getEcho = try #require(Self.parseEcho(get.body))
        #expect(getEcho.line == "GET /echo/a HTTP/1.1")
        #expect(getEcho.headers == ["Host: 127.0.0.1:\(server.port)"])
        let putEcho = try #require(Self.parseEcho(put.body))
        #expect(putEcho.line == "PUT /echo/b HTTP/1.1")
        #expect(putEcho.headers == ["Host: 127.0.0.1:\(server.port)", "Content-Length: \(big.count)"])
        #expect(putEcho.body == big)
    }

    @Test func sendsConfiguredUserAgentOnlyWhenTheCallerHasNone() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try Self.makeEngine(.init(userAgent: "infergate/test"))
        defer { engine.shutdown() }

        let plain = try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/echo")))
        let own = try await engine.perform(
            UpstreamRequest(method: "GET", url: server.url("/echo"), headers: HTTPHeaders([("User-Agent", "app/1")]))
        )

        let plainHeaders = try #require(Self.parseEcho(plain.body)).headers
        #expect(plainHeaders.contains("User-Agent: infergate/test"))
        let ownHeaders = try #require(Self.parseEcho(own.body)).headers
        #expect(ownHeaders.filter { $0.lowercased().hasPrefix("user-agent") } == ["User-Agent: app/1"])
    }

    @Test func returnsResponseHeadersInWireOrderAndSpelling() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try Self.makeEngine()
        defer { engine.shutdown() }

        let response = try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/headers")))

        #expect(response.status == 201)
        let fields = response.headers.fields.map { [$0.name, $0.value] }
        #expect(fields == LoopbackServer.oddHeaderFields.map { [$0.0, $0.1] })
        #expect(response.body == Array("yes".utf8))
    }

    @Test func dropsTheInterimHeadOfA100Continue() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try Self.makeEngine()
        defer { engine.shutdown() }

        let response = try await engine.perform(UpstreamRequest(method: "POST", url: server.url("/continue")))

        #expect(response.status == 200)
        #expect(response.headers["X-Interim"] == nil)
        #expect(response.headers.fields.map(\.name) == ["X-Final", "Content-Length"])
        #expect(response.body == Array("final".utf8))
    }

    @Test func decodesChunkedBodies() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try Self.makeEngine()
        defer { engine.shutdown() }

        let response = try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/chunked")))

        #expect(response.headers["Transfer-Encoding"] == "chunked")
        #expect(response.body == Array(LoopbackServer.chunkedParts.joined().utf8))
    }

    @Test func reusesOneConnectionForSequentialRequests() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try Self.makeEngine()
        defer { engine.shutdown() }

        var connections: Set<String> = []
        for index in 0..<5 {
            let body = Array("request \(index)".utf8)
            let request = UpstreamRequest(method: "POST", url: server.url("/echo"), body: body)
            let response = try await engine.perform(request)
            connections.insert(response.headers["X-Connection"] ?? "?")
        }

        #expect(connections.count == 1)
        #expect(server.acceptedConnections == 1)
        #expect(engine.activeTransferCount == 0)
    }

    /// The peer closing a kept-alive connection must not wake the loop over and over while the
    /// connection sits idle, and the next request must move to a fresh connection.
    @Test func idleConnectionClosedByThePeerDoesNotSpinThenIsReplaced() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try Self.makeEngine()
        defer { engine.shutdown() }

        let first = try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/oneshot")))
        let wakesBefore = engine.driver.wakeCount.load(ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(300))
        let idleWakes = engine.driver.wakeCount.load(ordering: .relaxed) - wakesBefore
        let second = try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/oneshot")))

        #expect(first.body == Array("once".utf8))
        #expect(second.body == Array("once".utf8))
        #expect(idleWakes <= 3)
        #expect(server.acceptedConnections == 2)
    }
}
