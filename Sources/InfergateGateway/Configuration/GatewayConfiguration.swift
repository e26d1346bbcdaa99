import InfergateAudit
import InfergateHTTP
import InfergateLimits

private let httpDefaults = HTTPServerConfiguration()
private let auditDefaults = AuditConfiguration()

/// The whole configuration of a gateway, as read from the JSON file.
///
/// Every section mirrors a key of the file; `docs/configuration.md` documents each key and
/// `config/infergate.schema.json` gives its JSON Schema. Values are validated when read, so a
/// `GatewayConfiguration` that exists is usable.
public struct GatewayConfiguration: Sendable {
    public var server: ServerSettings
    public var tokenProviders: [TokenProviderSettings]
    public var routes: [RouteSettings]
    public var callers: [CallerSettings]
    public var unknownCallers: UnknownCallerSettings
    public var audit: AuditSettings
    public var logLevel: String
}

/// `server`: the listening socket and the HTTP front's limits.
public struct ServerSettings: Sendable {
    // Defaults come from the modules that own them, so each is written down once.
    public var host = httpDefaults.host
    public var port = httpDefaults.port
    public var maxBodyBytes = httpDefaults.maxBodyBytes
    public var maxHeaderBytes = httpDefaults.maxHeaderBytes
    public var headerTimeoutMilliseconds = httpDefaults.headerTimeoutMilliseconds
    public var bodyTimeoutMilliseconds = httpDefaults.bodyTimeoutMilliseconds
    public var keepAliveTimeoutMilliseconds = httpDefaults.keepAliveTimeoutMilliseconds
    public var maxConnections = httpDefaults.maxConnections
    public var drainTimeoutMilliseconds: Int = 30_000
    public var allowedSources: [String] = ["127.0.0.0/8", "::1/128"]
    public var maxTrackedCallers = AccessConfiguration().maxTrackedKeys

    public init() {}
}

/// TLS settings for an outgoing connection; verification is on unless switched off.
public struct TLSSettings: Sendable, Equatable {
    public var verify: Bool = true
    public var caBundlePath: String?

    public init(verify: Bool = true, caBundlePath: String? = nil) {
        self.verify = verify
        self.caBundlePath = caBundlePath
    }
}

/// One entry of `token_providers`: how to obtain bearer tokens for routes that name it.
public struct TokenProviderSettings: Sendable {
    public var name: String
    public var tokenURL: String
    public var clientID: String
    public var clientSecret: String?
    public var clientSecretFile: String?
    public var clientAuthentication: String = "basic"
    public var grant: String = "client_credentials"
    public var username: String?
    public var password: String?
    public var passwordFile: String?
    public var scope: String?
    public var extraParameters: [(String, String)] = []
    public var refreshFraction: Double?
    public var minimumRefreshIntervalSeconds: Double?
    public var clockSkewSeconds: Double?
    public var defaultLifetimeSeconds: Double?
    public var fetchTimeoutMilliseconds: Int?
    public var waitTimeoutMilliseconds: Int?
    public var tls = TLSSettings()
}

/// Token-bucket and concurrency limits, any of which may be absent.
public struct LimitSettings: Sendable, Equatable {
    public var requestsPerSecond: Double?
    public var burst: Int?
    public var maxInFlight: Int?
    public var maxWaitMilliseconds: Int = 0

    public init() {}
}

/// The local-model fallback of a route.
public struct FallbackSettings: Sendable {
    public var modelPath: String
    public var triggers: Set<FallbackTrigger>
    public var afterMilliseconds: Int?
}

/// Why a request may be answered by the local model instead of the pipeline.
public enum FallbackTrigger: String, Sendable, CaseIterable {
    case connect, timeout
    case serverError = "5xx"
    case overloaded
    case noToken = "no-token"
    case circuitOpen = "circuit-open"
}

/// The circuit breaker of a route; see `CircuitBreaker` for the states.
public struct CircuitBreakerSettings: Sendable, Equatable {
    public var consecutiveFailures: Int = 5
    public var failureRatio: Double = 0.5
    public var minimumRequests: Int = 20
    public var windowMilliseconds: Int = 10_000
    public var openMilliseconds: Int = 5_000
    public var halfOpenProbes: Int = 3

    public init() {}
}

/// One entry of `routes`: a path prefix mapped to a pipeline URL.
public struct RouteSettings: Sendable {
    public var name: String
    public var path: String
    public var upstream: String
    public var timeoutMilliseconds: Int = 60_000
    public var connectTimeoutMilliseconds: Int = 5_000
    public var tokenProvider: String?
    public var tls = TLSSettings()
    public var limits: LimitSettings?
    public var perCallerLimits: LimitSettings?
    public var allowedCallers: [String]?
    public var fallback: FallbackSettings?
    public var circuitBreaker = CircuitBreakerSettings()
}

/// One entry of `callers`: how a caller is recognised and what it may use.
public struct CallerSettings: Sendable {
    public var name: String
    public var header: String?
    public var value: String?
    public var source: String?
    public var keySHA256: String?
    public var limits = LimitSettings()
}

/// `unknown_callers`: the policy for requests that match no caller.
public struct UnknownCallerSettings: Sendable {
    public var allow: Bool = true
    public var limits = LimitSettings()

    public init() {}
}

/// `audit`: where and how audit rows are written.
public struct AuditSettings: Sendable {
    public var path = auditDefaults.path
    public var durable: Bool = true
    public var flushIntervalMilliseconds: Int = 200
    public var refuseWhenFull: Bool = false
    public var maxBodyBytes = auditDefaults.maxBodyBytes
    public var retentionDays = auditDefaults.retentionDays
    public var maxRows: Int?
    public var redactHeaders: [String] = []
    public var queueCapacity = auditDefaults.queueCapacity
    public var allowUnaudited: Bool = false

    public init() {}
}
