import Foundation
import InfergateCore
import Synchronization
import Testing

@testable import InfergateHTTP

extension HTTPModuleTests {
    @Suite("HTTPServer capacity, shutdown and raw answers")
    struct HTTPServerCapacityTests {
        @Test("refuses connections over the cap with a 503 JSON and keeps serving the others")
        func connectionCap() async throws {
            let log = RejectionLog()
            try await withServer({ $0.maxConnections = 2 }, onRejection: log.record) { server, port in
                let first = try RawHTTPClient(port: port)
                let second = try RawHTTPClient(port: port)
                #expect(await eventually { server.openConnectionCount == 2 })
                let third = try RawHTTPClient(port: port)
                let refused = try third.readResponse()
                #expect(refused.status == 503)
                #expect(refused.header("Connection") == "close")
                #expect(refused.text == GatewayErrorBody(code: 503, message: "too many connections").json)
                for client in [first, second] {
                    try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                    #expect(try client.readResponse().status == 200)
                }
            }
            #expect(await log.waitForFirst()?.code == "http.too_many_connections")
        }

        @Test("holds 1,000 connections whose answers are slow, on a bounded thread pool")
        func thousandSlowConnections() async throws {
            let count = 1_000
            try await withServer(handler: { request, responder in
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(300)) {
                    responder.send(HTTPResponse(status: 200, body: Array(request.path.utf8)))
                }
            }) { server, port in
                let clients = try (0..<count).map { _ in try RawHTTPClient(port: port, timeoutMilliseconds: 10_000) }
                for (index, client) in clients.enumerated() {
                    try client.send("GET /\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
                }
                #expect(await eventually(within: 5_000) { server.inFlightRequestCount == count })
                #expect(server.openConnectionCount == count)
                let threads = try threadCount()
                #expect(threads < 64, "threads: \(threads)")
                for (index, client) in clients.enumerated() {
                    #expect(try client.readResponse().text == "/\(index)")
                }
                #expect(await eventually { server.inFlightRequestCount == 0 })
            }
        }

        @Test("shutdown waits for an in-flight answer, then closes")
        func gracefulDrain() async throws {
            let logger = Logger(label: "test", minimumLevel: .warning)
            var configuration = HTTPServerConfiguration()
            configuration.port = 0
            let server = HTTPServer(configuration: configuration, logger: logger) { _, responder in
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(200)) {
                    responder.send(HTTPResponse(status: 200, body: Array("late".utf8)))
                }
            }
            let port = try server.start()
            let busy = try RawHTTPClient(port: port)
            let idle = try RawHTTPClient(port: port)
            try busy.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await eventually { server.inFlightRequestCount == 1 })

            await server.shutdown(drainTimeoutMilliseconds: 2_000)
            let response = try busy.readResponse()
            #expect(response.text == "late")
            #expect(response.header("Connection") == "close")
            #expect(busy.waitForEnding() == .closed)
            #expect(idle.waitForEnding() == .closed)
            #expect(server.openConnectionCount == 0)
            #expect(throws: (any Error).self) { try RawHTTPClient(port: port) }
        }

        @Test("sendRaw writes bytes verbatim and closes when asked")
        func sendRaw() async throws {
            try await withServer(handler: { _, responder in
                responder.sendRaw(Array("not http at all".utf8), thenClose: true)
                responder.send(HTTPResponse(status: 200))
            }) { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(String(decoding: try client.readToEnd(), as: UTF8.self) == "not http at all")
            }
        }

        @Test("abort resets the connection")
        func abort() async throws {
            try await withServer(handler: { _, responder in responder.abort() }) { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(client.waitForEnding() == .reset)
            }
        }

        @Test("sendRawThenReset writes a partial answer, then resets")
        func rawThenReset() async throws {
            try await withServer(handler: { _, responder in
                responder.sendRawThenReset(Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial".utf8))
            }) { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(throws: (any Error).self) { try client.readResponse() }
            }
        }

        @Test("a responder released unanswered sends 500 instead of hanging")
        func droppedResponder() async throws {
            try await withServer(handler: { _, _ in }) { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try client.readResponse().status == 500)
            }
        }

        @Test("receives and echoes a 12 MB body intact")
        func largeBody() async throws {
            let size = 12 << 20
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try await withServer { _, port in
                let client = try RawHTTPClient(port: port, timeoutMilliseconds: 20_000)
                let writer = Task.detached {
                    try client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n")
                    try client.send(payload)
                }
                let response = try client.readResponse()
                try await writer.value
                #expect(response.body.count == size)
                #expect(response.body == payload)
            }
        }

        @Test("start throws an error naming bind when the port is taken")
        func portTaken() async throws {
            try await withServer { _, port in
                var configuration = HTTPServerConfiguration()
                configuration.port = port
                let logger = Logger(label: "test", minimumLevel: .error)
                let second = HTTPServer(configuration: configuration, logger: logger) { _, _ in }
                let error = #expect(throws: HTTPServerError.self) { try second.start() }
                #expect(error?.operation == "bind")
                #expect(error?.errnoCode == EADDRINUSE)
            }
        }

        @Test("closes a connection whose peer stops reading a large answer")
        func stalledReader() async throws {
            let big = [UInt8](repeating: 65, count: 32 << 20)
            try await withServer(
                { $0.bodyTimeoutMilliseconds = 200 },
                handler: { _, responder in responder.send(HTTPResponse(status: 200, body: big)) }
            ) { server, port in
                let client = try RawHTTPClient(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await eventually(within: 3_000) { server.openConnectionCount == 1 })
                #expect(await eventually(within: 3_000) { server.openConnectionCount == 0 })
            }
        }

        @Test("answers HEAD with the length of the body it leaves out")
        func headRequest() async throws {
            try await withServer(handler: { _, responder in
                responder.send(HTTPResponse(status: 200, body: Array("twelve bytes".utf8)))
            }) { _, port in
                let client = try RawHTTPClient(port: port)
                try client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
                let head = try client.readResponse(isHead: true)
                #expect(head.header("Content-Length") == "12")
                #expect(try client.readResponse().text == "twelve bytes")
            }
        }

        @Test("stops reading past maxPipelinedRequests and resumes as answers go out")
        func pipelineCap() async throws {
            let maxSeen = Atomic<Int>(0)
            let waiting = Mutex<[HTTPResponder]>([])
            try await withServer(
                { $0.maxPipelinedRequests = 2 },
                handler: { _, responder in
                    let count = waiting.withLock { list in
                        list.append(responder)
                        return list.count
                    }
                    maxSeen.store(max(maxSeen.load(ordering: .relaxed), count), ordering: .relaxed)
                }
            ) { server, port in
                let client = try RawHTTPClient(port: port)
                try client.send(String(repeating: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", count: 5))
                #expect(await eventually { server.inFlightRequestCount == 2 })
                try await Task.sleep(nanoseconds: 50_000_000)
                #expect(server.inFlightRequestCount == 2)
                for _ in 0..<5 {
                    #expect(await eventually { waiting.withLock { !$0.isEmpty } })
                    let next = waiting.withLock { $0.removeFirst() }
                    next.send(HTTPResponse(status: 200))
                    #expect(try client.readResponse().status == 200)
                }
            }
            #expect(maxSeen.load(ordering: .relaxed) == 2)
        }
    }
}

/// Threads in this process, from /proc.
private func threadCount() throws -> Int {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let line = status.split(separator: "\n").first { $0.hasPrefix("Threads:") } ?? ""
    return Int(line.split(separator: "\t").last.map(String.init) ?? "") ?? -1
}
