import Foundation
import InfergateCore
import Synchronization
import Testing

@testable import InfergateHTTP

/// Starts a server on an ephemeral loopback port for one test and always shuts it down.
func withServer(
    _ configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    handler: @escaping HTTPHandler = { request, responder in
        responder.send(HTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: request.body))
    },
    onRejection: (@Sendable (HTTPRejection) -> Void)? = nil,
    _ body: (HTTPServer, Int) async throws -> Void
) async throws {
    var configuration = HTTPServerConfiguration()
    configuration.port = 0
    configure(&configuration)
    let logger = Logger(label: "test", minimumLevel: .warning)
    let server = HTTPServer(configuration: configuration, logger: logger, handler: handler, onRejection: onRejection)
    let port = try server.start()
    do {
        try await body(server, port)
    } catch {
        await server.shutdown(drainTimeoutMilliseconds: 0)
        throw error
    }
    await server.shutdown(drainTimeoutMilliseconds: 0)
}

/// Collects rejections reported by a server, thread-safely.
final class RejectionLog: Sendable {
    private let entries = Mutex<[HTTPRejection]>([])

    var all: [HTTPRejection] { entries.withLock { $0 } }

    func record(_ rejection: HTTPRejection) {
        entries.withLock { $0.append(rejection) }
    }

    /// Waits up to a second for at least one entry (rejections are reported on a worker queue).
    func waitForFirst() async -> HTTPRejection? {
        for _ in 0..<200 {
            if let first = all.first {
                return first
            }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return nil
    }
}

/// Polls `condition` every 5 ms for up to `milliseconds`; true once it holds.
func eventually(within milliseconds: Int = 2_000, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<max(1, milliseconds / 5) {
        if condition() {
            return true
        }
        try? await Task.sleep(nanoseconds: 5_000_000)
    }
    return condition()
}

/// The parent of every suite in this target, run one test at a time: the tests block on
/// loopback reads, and running them side by side would starve the concurrency pool and skew
/// the timing-based ones.
@Suite(.serialized) enum HTTPModuleTests {}
