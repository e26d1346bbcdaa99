import InfergateCore
import InfergateEvaluator
import InfergateLimits
import InfergateTokens
import InfergateUpstream

/// Everything built from one configuration: routes, their providers and models, the router
/// and the access controller. A reload builds a new runtime and swaps it in; requests already
/// running keep the one they started with.
final class GatewayRuntime: Sendable {
    let configuration: GatewayConfiguration
    let routes: [RouteRuntime]
    let router: Router
    let access: AccessController
    let providers: [String: TokenProvider]

    /// Builds the runtime; a missing or invalid model file or a bad CIDR is an error.
    init(
        configuration: GatewayConfiguration,
        engine: TransferEngine,
        timeSource: any TimeSource,
        logger: Logger
    ) throws(ConfigurationError) {
        self.configuration = configuration
        var providers: [String: TokenProvider] = [:]
        for settings in configuration.tokenProviders {
            let client = CurlTokenClient(engine: engine, tls: settings.tls)
            providers[settings.name] = TokenProvider(
                configuration: settings.providerConfiguration,
                client: client,
                timeSource: timeSource,
                logger: logger.with(["gw.token_provider": settings.name])
            )
        }
        let models = try configuration.loadFallbackModels()
        var routes: [RouteRuntime] = []
        for settings in configuration.routes {
            let model = settings.fallback.flatMap { models[$0.modelPath] }
            let provider = settings.tokenProvider.flatMap { providers[$0] }
            routes.append(RouteRuntime(settings: settings, tokenProvider: provider, model: model, logger: logger))
        }
        self.routes = routes
        self.providers = providers
        self.router = Router(routes: configuration.routes)
        self.access = AccessController(configuration: try configuration.accessConfiguration(), timeSource: timeSource)
    }

    func start() {
        for provider in providers.values {
            provider.start()
        }
    }

    func stop() {
        for provider in providers.values {
            provider.stop()
        }
    }
}
