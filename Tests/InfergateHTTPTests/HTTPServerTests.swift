import Foundation
import InfergateCore
import Synchronization
import Testing

@testable import InfergateHTTP

extension HTTPModuleTests {
    @Suite("HTTPServer")
    struct HTTPServerTests {
        @Test("keeps an HTTP/1.1 connection alive across requests and echoes bodies")
        func keepAlive() async throws {
            try await withServer { _, port in
                let client = try RawHTTPClient(port: port)
                for index in 0..<3 {
                    try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n\(index)")
                    let response = try client.readResponse()
                    #expect(response.status == 200)
                    #expect(response.text == "\(index)")
                    #expect(response.header("Connection") == nil)
                    #expect(response.header("Date") != nil)
                }
            }
        }

        @Test("passes method, raw target, path, query, headers and peer to the handler")
        func requestFields() async throws {
            let seen = Mutex<HTTPRequest?>(nil)
            try await withServer(handler: { request, responder in
                seen.withLock { $0 = request }
                responder.send(HTTPResponse(status: 204))
            }) { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("GET /a%2Fb?x=%2A&y HTTP/1.1\r\nHost: x\r\nX-One: 1\r\nx-one: 2\r\n\r\n")
                #expect(try client.readResponse().status == 204)
            }
            let request = try #require(seen.withLock { $0 })
            #expect(request.method == "GET")
            #expect(request.target == "/a%2Fb?x=%2A&y")
            #expect(request.path == "/a%2Fb")
            #expect(request.query == "x=%2A&y")
            #expect(request.headers.values(for: "X-ONE") == ["1", "2"])
            #expect(request.remoteAddress == "127.0.0.1")
            #expect(request.receivedAtMicros > 1_700_000_000_000_000)
        }

        @Test("answers pipelined requests in order even when the handler answers out of order")
        func pipeliningOrder() async throws {
            try await withServer(handler: { request, responder in
                // The first request is answered last.
                let delay = request.path == "/0" ? 200 : 10
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay)) {
                    responder.send(HTTPResponse(status: 200, body: Array(request.path.utf8)))
                }
            }) { _, port in
                let client = try RawHTTPClient(port: port)
                let batch = (0..<5).map { "GET /\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined()
                try client.send(batch)
                let bodies = try (0..<5).map { _ in try client.readResponse().text }
                #expect(bodies == ["/0", "/1", "/2", "/3", "/4"])
            }
        }

        @Test("still answers a client that half-closed after sending its request")
        func halfClose() async throws {
            try await withServer(handler: { request, responder in
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) {
                    responder.send(HTTPResponse(status: 200, body: Array(request.path.utf8)))
                }
            }) { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
                client.finishSending()
                #expect(try client.readResponse().text == "/a")
                #expect(try client.readResponse().text == "/b")
                #expect(client.waitForEnding() == .closed)
            }
        }

        @Test("de-chunks a chunked request body")
        func chunkedBody() async throws {
            try await withServer { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                try client.send("3;ext=1\r\nabc\r\n")
                try client.send("2\r\nde\r\n0\r\nTrailer: y\r\n\r\n")
                #expect(try client.readResponse().text == "abcde")
            }
        }

        @Test("sends 100 Continue for an acceptable head, then reads the body")
        func expectContinue() async throws {
            try await withServer { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
                #expect(try client.readResponse().status == 100)
                try client.send("body")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "body")
            }
        }

        @Test("answers 413 to an oversized Expect request without waiting for the body")
        func expectContinueTooLarge() async throws {
            let log = RejectionLog()
            try await withServer({ $0.maxBodyBytes = 10 }, onRejection: log.record) { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("POST /big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 413)
                #expect(response.header("Connection") == "close")
                #expect(response.header("Content-Type") == "application/json")
                let expected = #"{"code":413,"status":"error","error":"request body too large","source":"gateway"}"#
                #expect(response.text == expected)
                #expect(client.waitForEnding() == .closed)
            }
            let rejection = await log.waitForFirst()
            #expect(rejection?.status == 413)
            #expect(rejection?.target == "/big")
            #expect(rejection?.code == "http.body_too_large")
        }

        @Test("closes an HTTP/1.0 connection after one answer unless keep-alive is asked")
        func http10() async throws {
            try await withServer { _, port in
                let plain = try RawHTTPClient(port: port)
                try plain.send("GET / HTTP/1.0\r\n\r\n")
                #expect(try plain.readResponse().header("Connection") == "close")
                #expect(plain.waitForEnding() == .closed)

                let kept = try RawHTTPClient(port: port)
                try kept.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                #expect(try kept.readResponse().header("Connection") == "keep-alive")
                try kept.send("GET / HTTP/1.0\r\n\r\n")
                #expect(try kept.readResponse().status == 200)
            }
        }

        @Test("refuses a long head with 431 JSON and reports it")
        func headerTooLarge() async throws {
            let log = RejectionLog()
            try await withServer({ $0.maxHeaderBytes = 256 }, onRejection: log.record) { _, port in
                let client = try RawHTTPClient(port: port)
                let long = String(repeating: "a", count: 400)
                try client.send("GET /h HTTP/1.1\r\nHost: x\r\nX-Long: " + long + "\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 431)
                let expected = #"{"code":431,"status":"error","error":"request header fields too large","#
                #expect(response.text == expected + #""source":"gateway"}"#)
                #expect(client.waitForEnding() == .closed)
            }
            #expect(await log.waitForFirst()?.status == 431)
        }

        static let smuggling = [
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n",
            "GET / HTTP/1.1\nHost: x\n\n",
            "GET http://other/ HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nX: y\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nName : v\r\n\r\n",
        ]

        @Test("answers 400 JSON and closes on request smuggling shapes", arguments: smuggling)
        func smugglingShapes(input: String) async throws {
            let log = RejectionLog()
            let handled = Atomic<Int>(0)
            try await withServer(
                handler: { _, responder in
                    handled.add(1, ordering: .relaxed)
                    responder.send(HTTPResponse(status: 200))
                }, onRejection: log.record
            ) { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send(input)
                let response = try client.readResponse()
                #expect(response.status == 400)
                #expect(response.header("Content-Type") == "application/json")
                #expect(response.text.contains(#""status":"error""#))
                #expect(client.waitForEnding() == .closed)
            }
            #expect(handled.load(ordering: .relaxed) == 0)
            #expect(await log.waitForFirst()?.status == 400)
        }

        @Test("answers 408 and closes when the head trickles in too slowly")
        func slowHead() async throws {
            let log = RejectionLog()
            try await withServer({ $0.headerTimeoutMilliseconds = 150 }, onRejection: log.record) { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("GET / HTTP/1.1\r\n")
                try await Task.sleep(nanoseconds: 100_000_000)
                try client.send("Host: x\r\n")
                let response = try client.readResponse()
                #expect(response.status == 408)
                #expect(client.waitForEnding() == .closed)
            }
            #expect(await log.waitForFirst()?.code == "http.request_timeout")
        }

        @Test("answers 408 when the body does not arrive in time")
        func slowBody() async throws {
            try await withServer({ $0.bodyTimeoutMilliseconds = 150 }) { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
                #expect(try client.readResponse().status == 408)
            }
        }

        @Test("closes an idle keep-alive connection silently")
        func keepAliveTimeout() async throws {
            try await withServer({ $0.keepAliveTimeoutMilliseconds = 100 }) { server, port in
                let client = try RawHTTPClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try client.readResponse().status == 200)
                #expect(try client.readToEnd().isEmpty)
                #expect(await eventually { server.openConnectionCount == 0 })
            }
        }
    }
}
