import InfergateCore

/// Receives every provider log event as well as the `Logger`; tests use it to prove that no
/// secret reaches a log line. Arguments: level, the constant message, metadata.
public typealias TokenLogObserver = @Sendable (Logger.Level, String, Logger.Metadata) -> Void

/// The provider's log front: one `Logger` call per event, mirrored to an optional observer.
///
/// Metadata values are fingerprints, codes, counts and durations only, never token values
/// or credentials; the observer sees every level, whatever the logger's minimum.
struct TokenLog: Sendable {
    let logger: Logger
    let observer: TokenLogObserver?

    /// Start-up, shutdown and successful fetches.
    func info(_ message: StaticString, _ metadata: Logger.Metadata = [:]) {
        emit(.info, message, metadata)
    }

    /// Failed fetches, timeouts and degraded responses; the provider may still be serving.
    func warning(_ message: StaticString, _ metadata: Logger.Metadata = [:]) {
        emit(.warning, message, metadata)
    }

    /// Per-fetch detail, off by default.
    func debug(_ message: StaticString, _ metadata: Logger.Metadata = [:]) {
        emit(.debug, message, metadata)
    }

    private func emit(_ level: Logger.Level, _ message: StaticString, _ metadata: Logger.Metadata) {
        logger.log(level, message, metadata)
        observer?(level, "\(message)", logger.metadata.merging(metadata) { _, new in new })
    }
}
