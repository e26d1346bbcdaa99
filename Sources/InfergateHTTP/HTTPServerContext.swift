import Dispatch
import InfergateCore
import Synchronization

/// What every connection of one server shares: configuration, handler, counters, workers.
///
/// Immutable apart from the atomics, so it is read from all worker threads without a lock.
final class HTTPServerContext: Sendable {
    let configuration: HTTPServerConfiguration
    let logger: Logger
    let handler: HTTPHandler
    let onRejection: (@Sendable (HTTPRejection) -> Void)?
    let openConnections = Atomic<Int>(0)
    let inFlightRequests = Atomic<Int>(0)
    let isDraining = Atomic<Bool>(false)
    let time = SystemTimeSource()

    init(
        configuration: HTTPServerConfiguration,
        logger: Logger,
        handler: @escaping HTTPHandler,
        onRejection: (@Sendable (HTTPRejection) -> Void)?
    ) {
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
        self.onRejection = onRejection
    }

    /// The sweep period: a quarter of the shortest timeout, kept between 5 ms and 1 s.
    var sweepIntervalMilliseconds: Int {
        let shortest = min(
            configuration.headerTimeoutMilliseconds,
            configuration.bodyTimeoutMilliseconds,
            configuration.keepAliveTimeoutMilliseconds
        )
        return max(5, min(1_000, shortest / 4))
    }

    /// Reports a refusal to the owner's callback, if any.
    func report(_ failure: HTTPParseFailure, remoteAddress: String, receivedAtMicros: Int64) {
        guard let onRejection else {
            return
        }
        let rejection = HTTPRejection(
            status: failure.status,
            reason: failure.reason,
            code: failure.code,
            method: failure.method,
            target: failure.target,
            headers: failure.headers,
            remoteAddress: remoteAddress,
            receivedAtMicros: receivedAtMicros,
            bytesReceived: failure.bytesReceived
        )
        onRejection(rejection)
    }
}
