import InfergateCore
import Synchronization

/// Forwards HTTP requests upstream through libcurl multi handles, each driven by one thread.
///
/// One engine per process: it holds the connection caches (HTTP/1.1 keep-alive, HTTP/2 over
/// TLS when offered) and bounds connections per host and in total. `perform` may be called
/// from any task. By default the curl work runs on the engine's own loop thread, so the
/// engine adds one thread however many transfers are in flight. An event-loop owner (the
/// HTTP front) can also host a multi handle per loop thread (`makeLoopAttachments`): a
/// transfer started on such a thread then runs there, with no hand-off to another thread
/// on the way out or back. Redirects are not followed.
public final class TransferEngine: Sendable {
    let driver: CurlMultiDriver
    private let hostedDrivers = Mutex<[CurlMultiDriver]>([])
    private let inFlight = Atomic<Int>(0)

    /// Starts the engine; throws when libcurl cannot be initialised.
    public init(configuration: TransferEngineConfiguration = .init(), logger: Logger) throws(UpstreamError) {
        driver = try CurlMultiDriver(configuration: configuration, logger: logger)
        logger.info(
            "upstream.engine.started",
            [
                "upstream.max_total_connections": "\(configuration.maxTotalConnections)",
                "upstream.max_connections_per_host": "\(configuration.maxConnectionsPerHost)",
                "upstream.max_response_bytes": "\(configuration.maxResponseBytes)",
            ]
        )
    }

    deinit {
        driver.shutdown()
    }

    /// Sends `request` and returns the final response, whatever its status.
    ///
    /// Throws `UpstreamError` for transport failures only; an upstream 5xx is a response.
    /// Cancelling the calling task removes the transfer from the multi handle and throws
    /// `.cancelled` without waiting for the network.
    public func perform(_ request: UpstreamRequest) async throws(UpstreamError) -> UpstreamResponse {
        guard Self.hasHTTPScheme(request.url) else {
            throw .urlRejected
        }
        inFlight.add(1, ordering: .relaxed)
        defer {
            inFlight.subtract(1, ordering: .relaxed)
        }
        let driver = currentDriver
        let transfer = CurlTransfer(request: request, maxResponseBytes: driver.configuration.maxResponseBytes)
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Set before the hand-over; the loop thread owns it from then on.
                transfer.continuation = continuation
                driver.submit(transfer)
            }
        } onCancel: {
            driver.cancel(transfer)
        }
        return try outcome.get()
    }

    /// Makes `count` multi handles for event loops to host, one per loop thread.
    ///
    /// The connection limits are shared out: each handle gets its part of
    /// `maxTotalConnections` and `maxConnectionsPerHost` (rounded up), so all loops together
    /// stay near the configured bounds. Each host must call `attach()` on its loop thread
    /// before starting transfers there; until then, transfers use the engine's own thread.
    public func makeLoopAttachments(count: Int) throws(UpstreamError) -> [any EventLoopAttachment] {
        let share = driver.configuration.sharedOut(among: max(1, count))
        var made: [CurlMultiDriver] = []
        for _ in 0..<max(0, count) {
            made.append(try CurlMultiDriver(configuration: share, logger: driver.logger, mode: .hosted))
        }
        hostedDrivers.withLock { $0.append(contentsOf: made) }
        return made
    }

    /// The drivers made by `makeLoopAttachments`, in the order made.
    var loopDrivers: [CurlMultiDriver] {
        hostedDrivers.withLock { $0 }
    }

    /// The driver hosted by the calling thread, else the engine's own.
    private var currentDriver: CurlMultiDriver {
        loopDrivers.first { $0.isOnLoopThread } ?? driver
    }

    /// Fails in-flight transfers with `UpstreamError.shutDown`, closes every connection and
    /// frees libcurl's handles; later `perform` calls fail the same way. Blocks until the
    /// engine's own thread has ended; hosted handles close on their loop's next round.
    public func shutdown() {
        for hosted in hostedDrivers.withLock({ $0 }) {
            hosted.shutdown()
        }
        driver.shutdown()
    }

    /// Transfers that a caller is awaiting right now, queued ones included.
    public var activeTransferCount: Int {
        inFlight.load(ordering: .relaxed)
    }

    private static func hasHTTPScheme(_ url: String) -> Bool {
        let scheme = url.utf8.prefix(8).map { $0 | 0x20 }
        return scheme.starts(with: "http://".utf8) || scheme.starts(with: "https://".utf8)
    }
}
