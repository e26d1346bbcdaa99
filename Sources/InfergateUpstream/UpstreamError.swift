/// Why an upstream exchange failed, in a form safe to show callers and to count.
///
/// `code` is a short bounded string for metrics and audit rows; `message` is safe to send
/// to the calling app (no URL, no internals). `curlCode` and `curlMessage` come from
/// libcurl's static error strings and are meant for logs only; they are 0 and empty when
/// the engine itself raised the error.
public struct UpstreamError: Error, Sendable, Equatable {
    /// The failure classes the gateway reacts to differently (retry, 504 versus 502, ...).
    ///
    /// `connectTimeout` means the TCP or TLS set-up never finished (also when a transfer
    /// waited for a free connection slot until its time ran out); `timeout` means the
    /// exchange was under way. `reset` covers a peer that closed or reset mid-exchange.
    public enum Kind: String, Sendable {
        case connectionRefused, connectTimeout, timeout, reset, tls, dns, protocolError, tooLarge, cancelled, other
    }

    public var kind: Kind
    public var code: String
    public var message: String
    public var curlCode: Int32
    public var curlMessage: String

    /// An error of `kind` with its standard code and caller-safe message.
    public init(kind: Kind, curlCode: Int32 = 0, curlMessage: String = "") {
        self.kind = kind
        self.code = UpstreamError.code(for: kind)
        self.message = UpstreamError.message(for: kind)
        self.curlCode = curlCode
        self.curlMessage = curlMessage
    }

    /// An error with an explicit message, for failures the standard text would mislabel.
    public init(kind: Kind, message: String, curlCode: Int32 = 0, curlMessage: String = "") {
        self.init(kind: kind, curlCode: curlCode, curlMessage: curlMessage)
        self.message = message
    }

    /// The error every transfer gets once `TransferEngine.shutdown()` has run.
    public static let shutDown = UpstreamError(kind: .cancelled, message: "upstream engine shut down")

    /// A URL that is not plain `http://` or `https://`, refused before any I/O.
    public static let urlRejected = UpstreamError(kind: .other, message: "upstream url rejected")

    /// The HTTP status a gateway should answer with: 504 for time-outs, 502 otherwise.
    public var suggestedHTTPStatus: Int {
        switch kind {
        case .connectTimeout, .timeout: 504
        default: 502
        }
    }

    /// The bounded metrics and audit code of `kind`.
    static func code(for kind: Kind) -> String {
        switch kind {
        case .connectionRefused: "upstream_connection_refused"
        case .connectTimeout: "upstream_connect_timeout"
        case .timeout: "upstream_timeout"
        case .reset: "upstream_reset"
        case .tls: "upstream_tls"
        case .dns: "upstream_dns"
        case .protocolError: "upstream_protocol_error"
        case .tooLarge: "upstream_too_large"
        case .cancelled: "upstream_cancelled"
        case .other: "upstream_error"
        }
    }

    /// The caller-safe sentence for `kind`; no URL or internal detail.
    static func message(for kind: Kind) -> String {
        switch kind {
        case .connectionRefused: "upstream connection refused"
        case .connectTimeout: "upstream connect timed out"
        case .timeout: "upstream timed out"
        case .reset: "upstream connection reset"
        case .tls: "upstream tls handshake or verification failed"
        case .dns: "upstream host could not be resolved"
        case .protocolError: "upstream sent an invalid response"
        case .tooLarge: "upstream response too large"
        case .cancelled: "upstream request cancelled"
        case .other: "upstream request failed"
        }
    }
}
