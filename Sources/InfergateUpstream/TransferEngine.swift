import InfergateCore
import Synchronization

/// Forwards HTTP requests upstream through one libcurl multi handle driven by its own thread.
///
/// One engine per process: it holds the connection cache (HTTP/1.1 keep-alive, HTTP/2 over
/// TLS when offered) and bounds connections per host and in total. `perform` may be called
/// from any task; the curl work runs on the engine's one loop thread, so the engine adds
/// one thread however many transfers are in flight. Redirects are not followed.
public final class TransferEngine: Sendable {
    let driver: CurlMultiDriver
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
        let transfer = CurlTransfer(request: request, maxResponseBytes: driver.configuration.maxResponseBytes)
        let driver = self.driver
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

    /// Fails in-flight transfers with `UpstreamError.shutDown`, closes every connection and
    /// frees libcurl's handles; later `perform` calls fail the same way. Blocks until done.
    public func shutdown() {
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
