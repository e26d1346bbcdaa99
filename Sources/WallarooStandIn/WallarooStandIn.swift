import Dispatch
import InfergateCore
import InfergateHTTP
import Synchronization

/// A stand-in for Keycloak's token endpoint and a Wallaroo pipeline, for tests, benchmarks and demos.
///
/// It is not Wallaroo: it speaks the same wire shapes (token JSON, 401 bodies, legacy and
/// pandas-records inference results) but its model outputs are deterministic pseudo-values
/// derived from the input row sums, and Arrow bodies are echoed back unchanged. Behaviour
/// switches make it misbehave on purpose (delays, resets, garbage, hangs). All state sits
/// behind one `Mutex`; requests are served on the `HTTPServer`'s worker queues.
public final class WallarooStandIn: Sendable {
    /// Where it listens, which credentials it accepts and what it calls its pipeline.
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 binds an ephemeral port.
        public var port = 0
        public var clientID = "api-client"
        public var clientSecret = "standin-secret"
        /// Accepted by the password grant; nil refuses every password grant.
        public var username: String?
        public var password: String?
        public var tokenLifetimeSeconds = 3_600
        public var refreshLifetimeSeconds = 1_800
        public var pipelineName = "aloha-1"
        public var modelName = "aloha"
        /// Clock for token expiry; inject a manual one in tests.
        public var timeSource: any TimeSource = SystemTimeSource()

        public init() {}
    }

    /// How the pipeline endpoint answers the next requests.
    public enum Behaviour: Sendable, Equatable {
        case normal
        case delay(milliseconds: Int)
        case status(Int, body: String, contentType: String)
        case resetMidBody
        case garbage
        case hang
        case closeBeforeResponse
        case retryAfter(status: Int, seconds: Int)
    }

    /// How the token endpoint answers the next requests.
    public enum TokenBehaviour: Sendable, Equatable {
        case normal
        case delay(milliseconds: Int)
        case status(Int, body: String)
        case emptyBody200, html200, jsonError200, missingAccessToken, wrongTokenType, noExpiresIn
        /// Closes the connection without answering.
        case down
        case hang
    }

    /// A request as it reached the pipeline endpoint, for byte-for-byte assertions.
    public struct RecordedRequest: Sendable {
        public var method: String
        public var target: String
        public var headers: HTTPHeaders
        public var body: [UInt8]
    }

    /// Counters and the last requests seen.
    public struct Stats: Sendable {
        public var tokenRequests = 0
        public var pipelineRequests = 0
        public var unauthorizedAnswers = 0
        public var lastPipelineRequest: RecordedRequest?
        public var lastTokenScope: String?
        public var lastGrantType: String?
    }

    struct IssuedToken {
        var expiresAtNanos: UInt64
        var isRevoked = false
    }

    struct State {
        var pipelineBehaviour = Behaviour.normal
        var tokenBehaviour = TokenBehaviour.normal
        var stats = Stats()
        var tokens: [String: IssuedToken] = [:]
        var refreshTokens: [String: UInt64] = [:]
        var issued = 0
        var hung: [HTTPResponder] = []
    }

    let configuration: Configuration
    let logger: Logger
    let state = Mutex(State())
    private let server = Mutex<HTTPServer?>(nil)
    private let boundPort = Atomic<Int>(0)

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts listening; returns the bound port. Throws `HTTPServerError` if the port is taken.
    public func start() throws -> Int {
        var http = HTTPServerConfiguration()
        http.host = configuration.host
        http.port = configuration.port
        let server = HTTPServer(configuration: http, logger: logger) { [self] request, responder in
            route(request, responder)
        }
        let port = try server.start()
        self.server.withLock { $0 = server }
        boundPort.store(port, ordering: .relaxed)
        let pipeline = pipelineURL(name: configuration.pipelineName)
        logger.info("standin.started", ["standin.token_url": tokenURL, "standin.pipeline_url": pipeline])
        return port
    }

    /// Aborts hung requests and stops the server.
    public func shutdown() async {
        let hung = state.withLock { state in
            defer { state.hung.removeAll() }
            return state.hung
        }
        for responder in hung {
            responder.abort()
        }
        let running = server.withLock { $0 }
        await running?.shutdown(drainTimeoutMilliseconds: 1_000)
    }

    /// `http://HOST:PORT` of the running stand-in; the port is 0 before `start()`.
    /// `http://HOST:PORT` of the running stand-in; the port reads 0 before `start()`.
    public var baseURL: String { "http://\(configuration.host):\(boundPort.load(ordering: .relaxed))" }

    /// Keycloak's token endpoint for realm `master`.
    public var tokenURL: String { baseURL + "/auth/realms/master/protocol/openid-connect/token" }

    /// The inference URL for `name`; any name is served, with `Configuration.pipelineName` in the answers.
    public func pipelineURL(name: String) -> String {
        baseURL + "/v1/api/pipelines/infer/" + name
    }

    /// A snapshot of the counters and last requests.
    public var stats: Stats { state.withLock { $0.stats } }

    /// Takes effect on the next pipeline request.
    public func setPipelineBehaviour(_ behaviour: Behaviour) {
        state.withLock { $0.pipelineBehaviour = behaviour }
    }

    /// Takes effect on the next token request.
    public func setTokenBehaviour(_ behaviour: TokenBehaviour) {
        state.withLock { $0.tokenBehaviour = behaviour }
    }

    /// Every token issued so far is refused from now on with 401 `Jwt is expired`.
    public func revokeAllTokens() {
        state.withLock { state in
            for key in state.tokens.keys {
                state.tokens[key]?.isRevoked = true
            }
            state.refreshTokens.removeAll()
        }
    }

    /// Dispatches on path: token endpoint, pipeline endpoint, health check, else 404.
    private func route(_ request: HTTPRequest, _ responder: HTTPResponder) {
        if request.path == "/auth/realms/master/protocol/openid-connect/token" {
            handleToken(request, responder)
        } else if request.path.hasPrefix("/v1/api/pipelines/infer/") {
            handlePipeline(request, responder)
        } else if request.path == "/healthz" {
            responder.send(Self.json(200, #"{"status":"ok"}"#))
        } else {
            let body = GatewayErrorBody(code: 404, message: "Not found", source: "platform")
            responder.send(Self.json(404, body.json))
        }
    }

    /// A response with a JSON body.
    static func json(_ status: Int, _ body: String, extra: HTTPHeaders = [:]) -> HTTPResponse {
        var headers = extra
        headers.add(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    /// Runs `body` after `milliseconds` on a global queue.
    static func later(_ milliseconds: Int, _ body: @escaping @Sendable () -> Void) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds), execute: body)
    }
}
