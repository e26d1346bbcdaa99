import Foundation
import Glibc
import InfergateCore
import Testing

@testable import InfergateUpstream

/// How transport failures surface: each maps to one kind, code and caller-safe message.
@Suite("TransferEngine failures")
struct TransferEngineFailureTests {
    let engine: TransferEngine

    /// Each test gets an engine with a 1 MiB response limit.
    init() throws {
        engine = try TransferEngineTests.makeEngine(.init(maxResponseBytes: 1 << 20))
    }

    /// The error `request` fails with on this suite's engine, or nil if it succeeded.
    func failure(of request: UpstreamRequest) async -> UpstreamError? {
        await Self.failure(of: request, on: engine)
    }

    /// The error `request` fails with on `engine`, or nil if it succeeded.
    static func failure(of request: UpstreamRequest, on engine: TransferEngine) async -> UpstreamError? {
        do throws(UpstreamError) {
            _ = try await engine.perform(request)
            return nil
        } catch {
            return error
        }
    }

    @Test func closedPortIsConnectionRefused() async throws {
        let listener = try Socket.makeListener(backlog: 1)
        let port = try Socket.localPort(of: listener)
        _ = close(listener)

        let error = await failure(of: UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(port)/"))

        #expect(error?.kind == .connectionRefused)
        #expect(error?.code == "upstream_connection_refused")
        #expect(error?.message == "upstream connection refused")
        #expect(error?.curlCode == 7)
    }

    @Test func hangingUpstreamHitsTheTotalTimeout() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let started = ContinuousClock.now

        let request = UpstreamRequest(method: "GET", url: server.url("/hang"), totalTimeoutMilliseconds: 300)
        let error = await failure(of: request)

        #expect(error?.kind == .timeout)
        #expect(error?.code == "upstream_timeout")
        #expect(error?.suggestedHTTPStatus == 504)
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test func fullBacklogIsConnectTimeout() async throws {
        // A listener that never accepts: once its queue is full the kernel drops further
        // SYNs, so the engine's handshake stalls until the connect timeout.
        let server = try LoopbackServer(backlog: 0, startsAccepting: false)
        defer { server.stop() }
        var fillers: [Int32] = []
        defer {
            for fd in fillers {
                _ = close(fd)
            }
        }
        for _ in 0..<4 {
            guard let fd = try? Socket.connectNonBlocking(port: server.port) else {
                break
            }
            fillers.append(fd)
        }
        usleep(50_000)

        let request = UpstreamRequest(
            method: "GET",
            url: server.url("/"),
            connectTimeoutMilliseconds: 300,
            totalTimeoutMilliseconds: 5_000
        )
        let error = await failure(of: request)

        #expect(error?.kind == .connectTimeout)
        #expect(error?.code == "upstream_connect_timeout")
    }

    @Test func resetMidBodyIsReset() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }

        let error = await failure(of: UpstreamRequest(method: "GET", url: server.url("/reset")))

        #expect(error?.kind == .reset)
        #expect(error?.code == "upstream_reset")
    }

    @Test func closeBeforeAnsweringIsReset() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }

        let error = await failure(of: UpstreamRequest(method: "POST", url: server.url("/close"), body: [1, 2, 3]))

        #expect(error?.kind == .reset)
        #expect(error?.curlCode == 52)
    }

    @Test func bodyOverTheLimitIsTooLarge() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }

        let declared = await failure(of: UpstreamRequest(method: "GET", url: server.url("/large/2000000")))
        let fits = try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/large/1000000")))

        #expect(declared?.kind == .tooLarge)
        #expect(declared?.code == "upstream_too_large")
        #expect(fits.body.count == 1_000_000)
    }

    @Test func unframedBodyOverTheLimitIsTooLarge() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }

        let error = await failure(of: UpstreamRequest(method: "GET", url: server.url("/stream/3000000")))
        let fits = try await engine.perform(UpstreamRequest(method: "GET", url: server.url("/stream/700000")))

        #expect(error?.kind == .tooLarge)
        #expect(fits.body.count == 700_000)
    }

    @Test func nonHTTPReplyIsProtocolError() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }

        let error = await failure(of: UpstreamRequest(method: "GET", url: server.url("/garbage")))

        #expect(error?.kind == .protocolError)
        #expect(error?.code == "upstream_protocol_error")
    }

    @Test func tlsAgainstAPlainServerIsTLS() async throws {
        let server = try LoopbackServer(greeting: Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8))
        defer { server.stop() }

        let url = "https://127.0.0.1:\(server.port)/"
        let error = await failure(of: UpstreamRequest(method: "GET", url: url, totalTimeoutMilliseconds: 2_000))

        #expect(error?.kind == .tls)
        #expect(error?.code == "upstream_tls")
    }

    @Test func nonHTTPSchemesAreRejectedBeforeAnyIO() async throws {
        let error = await failure(of: UpstreamRequest(method: "GET", url: "file:///etc/passwd"))

        #expect(error?.kind == .other)
        #expect(error?.message == "upstream url rejected")
        #expect(error?.curlCode == 0)
    }

    @Test func cancellingTheTaskCancelsPromptly() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = self.engine
        let request = UpstreamRequest(method: "GET", url: server.url("/hang"))

        let task = Task { await Self.failure(of: request, on: engine) }
        try await Task.sleep(for: .milliseconds(150))
        #expect(engine.activeTransferCount == 1)
        let cancelledAt = ContinuousClock.now
        task.cancel()
        let error = await task.value

        #expect(error?.kind == .cancelled)
        #expect(error?.code == "upstream_cancelled")
        #expect(ContinuousClock.now - cancelledAt < .milliseconds(500))
        #expect(engine.activeTransferCount == 0)
    }

    @Test func alreadyCancelledTaskNeverStartsTheTransfer() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = self.engine
        let request = UpstreamRequest(method: "GET", url: server.url("/echo"))

        let task = Task { () -> UpstreamError? in
            withUnsafeCurrentTask { $0?.cancel() }
            return await Self.failure(of: request, on: engine)
        }

        #expect(await task.value?.kind == .cancelled)
        #expect(server.acceptedConnections == 0)
    }

    @Test func performAfterShutdownFails() async throws {
        let engine = try TransferEngineTests.makeEngine()
        engine.shutdown()

        let request = UpstreamRequest(method: "GET", url: "http://127.0.0.1:9/")
        let error = await Self.failure(of: request, on: engine)

        #expect(error == .shutDown)
    }

    @Test func shutdownFailsTransfersInFlight() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        let request = UpstreamRequest(method: "GET", url: server.url("/hang"))

        let task = Task { await Self.failure(of: request, on: engine) }
        try await Task.sleep(for: .milliseconds(150))
        engine.shutdown()

        #expect(await task.value == .shutDown)
        #expect(engine.activeTransferCount == 0)
    }
}
