/// Limits and timeouts of an `HTTPServer`; every field has a production default.
public struct HTTPServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 binds an ephemeral port; `HTTPServer.start()` returns the one chosen.
    public var port: Int = 8080
    /// Request line plus headers; beyond it the answer is 431.
    public var maxHeaderBytes: Int = 16_384
    /// Declared or de-chunked body size; beyond it the answer is 413.
    public var maxBodyBytes: Int = 64 << 20
    /// The whole head must arrive within this time of its first byte, else 408 and close.
    public var headerTimeoutMilliseconds: Int = 10_000
    /// The whole body must arrive within this time of the end of the head, else 408 and close.
    public var bodyTimeoutMilliseconds: Int = 60_000
    /// An idle keep-alive connection is closed silently after this time.
    public var keepAliveTimeoutMilliseconds: Int = 60_000
    /// Connections beyond this are accepted, answered 503 with `Connection: close`, and closed.
    public var maxConnections: Int = 4_096
    /// Requests parsed ahead of their responses; beyond it the connection stops reading.
    public var maxPipelinedRequests: Int = 64
    /// Event-loop threads that own connections; 0 means one per active processor.
    public var workerCount: Int = 0

    public init() {}
}
