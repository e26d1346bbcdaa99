/// Limits and defaults shared by every transfer of one `TransferEngine`.
///
/// Connections beyond `maxConnectionsPerHost` or `maxTotalConnections` are not refused:
/// libcurl queues the transfer until a connection frees up, and the request's total timeout
/// keeps running meanwhile. `maxResponseBytes` bounds each response body (→ `.tooLarge`).
public struct TransferEngineConfiguration: Sendable {
    public var maxTotalConnections: Int = 1_024
    public var maxConnectionsPerHost: Int = 256
    public var maxResponseBytes: Int = 512 << 20
    public var userAgent: String? = nil

    /// The defaults suit one gateway process; `userAgent` nil sends none of our own.
    public init(
        maxTotalConnections: Int = 1_024,
        maxConnectionsPerHost: Int = 256,
        maxResponseBytes: Int = 512 << 20,
        userAgent: String? = nil
    ) {
        self.maxTotalConnections = maxTotalConnections
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
    }

    /// This configuration with the connection limits divided among `count` multi handles,
    /// rounded up so each handle keeps at least one connection.
    func sharedOut(among count: Int) -> TransferEngineConfiguration {
        var share = self
        share.maxTotalConnections = (maxTotalConnections + count - 1) / count
        share.maxConnectionsPerHost = (maxConnectionsPerHost + count - 1) / count
        return share
    }
}
