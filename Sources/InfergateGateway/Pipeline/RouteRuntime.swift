import InfergateCore
import InfergateEvaluator
import InfergateTokens
import Synchronization

/// A configured route with the live parts it uses: its token provider, its local model and
/// its circuit breaker.
///
/// The breaker is a value guarded by its own mutex; state changes are logged and counted.
final class RouteRuntime: Sendable {
    let settings: RouteSettings
    let tokenProvider: TokenProvider?
    let model: LoadedModel?
    private let breaker: Mutex<CircuitBreaker>
    private let logger: Logger

    init(settings: RouteSettings, tokenProvider: TokenProvider?, model: LoadedModel?, logger: Logger) {
        self.settings = settings
        self.tokenProvider = tokenProvider
        self.model = model
        self.breaker = Mutex(CircuitBreaker(settings: settings.circuitBreaker))
        self.logger = logger.with(["gw.route": settings.name])
    }

    var name: String { settings.name }

    /// Whether this route answers from its local model when `trigger` happens.
    func fallsBack(on trigger: FallbackTrigger) -> Bool {
        guard model != nil, let fallback = settings.fallback else {
            return false
        }
        return fallback.triggers.contains(trigger)
    }

    /// The breaker only guards routes that have somewhere else to send requests.
    var usesCircuitBreaker: Bool {
        fallsBack(on: .circuitOpen)
    }

    var circuitState: CircuitBreaker.State {
        breaker.withLock { $0.state }
    }

    func admitThroughBreaker(now: UInt64) -> CircuitBreaker.Admission {
        guard usesCircuitBreaker else {
            return .allow
        }
        let (admission, before, after) = breaker.withLock { breaker in
            let before = breaker.state
            let admission = breaker.admit(now: now)
            return (admission, before, breaker.state)
        }
        if before != after {
            logger.warning(
                "circuit.state.changed", ["gw.circuit.from": before.rawValue, "gw.circuit.to": after.rawValue])
        }
        return admission
    }

    func recordOutcome(success: Bool, wasProbe: Bool, now: UInt64) {
        guard usesCircuitBreaker else {
            return
        }
        let (before, changed) = breaker.withLock { breaker in
            let before = breaker.state
            return (before, breaker.record(success: success, wasProbe: wasProbe, now: now))
        }
        if let changed {
            let level: Logger.Level = changed == .closed ? .info : .warning
            logger.log(
                level, "circuit.state.changed", ["gw.circuit.from": before.rawValue, "gw.circuit.to": changed.rawValue])
        }
    }
}
