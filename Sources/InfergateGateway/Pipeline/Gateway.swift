import Dispatch
import InfergateAudit
import InfergateCore
import InfergateHTTP
import InfergateUpstream
import Synchronization

/// The running gateway: the HTTP front, the shared transfer engine, the audit log and the
/// runtime built from the configuration.
///
/// The runtime sits behind a mutex so `reload(configuration:)` can swap it while requests
/// run; each request reads it once at the start. The server, engine and audit log live for
/// the whole process.
public final class Gateway: Sendable {
    let logger: Logger
    let timeSource: any TimeSource
    let engine: TransferEngine
    let audit: AuditLog
    let metrics: MetricsRegistry
    let allowUnaudited: Bool
    private let runtimeBox: Mutex<GatewayRuntime>
    private let serverBox = Mutex<HTTPServer?>(nil)
    private let isAccepting = Atomic<Bool>(false)
    /// Requests between parsing and the last byte of the answer, for the in-flight gauge.
    let inFlightRequests = Atomic<Int>(0)
    /// Runs the local model off the cooperative thread pool, which must never block on CPU work.
    let evaluationQueue = DispatchQueue(label: "infergate.evaluation", attributes: .concurrent)

    /// Builds every part; throws when the configuration cannot be served (bad model, audit
    /// file that cannot be opened).
    public init(
        configuration: GatewayConfiguration,
        logger: Logger,
        timeSource: any TimeSource = SystemTimeSource()
    ) throws {
        self.logger = logger
        self.timeSource = timeSource
        self.metrics = MetricsRegistry()
        self.engine = try TransferEngine(logger: logger.with(["gw.component": "upstream"]))
        self.audit = try AuditLog(
            configuration: configuration.auditConfiguration,
            logger: logger.with(["gw.component": "audit"])
        )
        self.allowUnaudited = configuration.audit.allowUnaudited
        let runtime = try GatewayRuntime(
            configuration: configuration,
            engine: engine,
            timeSource: timeSource,
            logger: logger
        )
        self.runtimeBox = Mutex(runtime)
        describeMetrics()
    }

    var runtime: GatewayRuntime {
        runtimeBox.withLock { $0 }
    }

    /// Fetches the first tokens, binds the listening socket and starts serving; returns the port.
    public func start() throws -> Int {
        runtime.start()
        let configuration = runtime.configuration
        let server = HTTPServer(
            configuration: configuration.serverConfiguration,
            logger: logger.with(["gw.component": "http"]),
            handler: { [self] request, responder in
                Task.immediate(executorPreference: responder.taskExecutor) {
                    await self.handle(request, responder: responder)
                }
            },
            onRejection: { [self] rejection in
                Task { await self.recordRejection(rejection) }
            },
            makeLoopAttachments: { [engine] count in
                // Each worker drives its own requests' transfers: no thread hop per request.
                try engine.makeLoopAttachments(count: count)
            }
        )
        let port = try server.start()
        serverBox.withLock { $0 = server }
        isAccepting.store(true, ordering: .relaxed)
        logger.info(
            "gateway.listening",
            ["gw.listen": "\(configuration.server.host):\(port)", "gw.routes": "\(configuration.routes.count)"]
        )
        return port
    }

    /// Replaces routes, providers, models and limits with those of `configuration`.
    ///
    /// The server, the transfer engine and the audit log stay: listen address and audit path
    /// changes need a restart. On error the running configuration is kept.
    public func reload(configuration: GatewayConfiguration) throws {
        let fresh = try GatewayRuntime(
            configuration: configuration, engine: engine, timeSource: timeSource, logger: logger)
        fresh.start()
        let old = runtimeBox.withLock { box in
            let old = box
            box = fresh
            return old
        }
        old.stop()
        logger.info("gateway.reloaded", ["gw.routes": "\(configuration.routes.count)"])
    }

    /// Stops accepting, lets in-flight requests finish within the drain timeout, then flushes
    /// the audit log and stops the token providers.
    public func shutdown() async {
        isAccepting.store(false, ordering: .relaxed)
        let drain = runtime.configuration.server.drainTimeoutMilliseconds
        if let server = serverBox.withLock({ $0 }) {
            await server.shutdown(drainTimeoutMilliseconds: drain)
        }
        runtime.stop()
        await audit.close()
        engine.shutdown()
        logger.info("gateway.stopped")
    }

    var acceptsRequests: Bool {
        isAccepting.load(ordering: .relaxed)
    }
}
