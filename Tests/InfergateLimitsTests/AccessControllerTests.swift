import InfergateCore
import Testing

@testable import InfergateLimits

/// Source filtering and caller identification.
@Suite struct AccessControllerTests {
    private static let batchKey = "s3cret-batch-key"

    private static func configuration(unknown: UnknownCallerPolicy = .allow(.unlimited)) -> AccessConfiguration {
        AccessConfiguration(
            allowedSources: [cidr("10.0.0.0/8"), cidr("127.0.0.0/8"), cidr("::1/128")].compactMap { $0 },
            callers: [
                CallerRule(name: "fraud-app", header: "X-Caller", value: "fraud-app", source: cidr("10.1.0.0/16")),
                CallerRule(
                    name: "batch",
                    header: "X-Caller",
                    value: "batch",
                    keySHA256: SHA256.hexDigest(Array(batchKey.utf8))
                ),
                CallerRule(name: "ops", source: cidr("10.9.0.0/16")),
                CallerRule(name: "nothing-to-match"),
            ],
            unknownCallers: unknown
        )
    }

    private let controller = AccessController(configuration: configuration(), timeSource: ManualClock())

    @Test func sourcesOutsideTheListAreRefusedFirst() {
        #expect(controller.isSourceAllowed("10.20.30.40"))
        #expect(controller.isSourceAllowed("::ffff:127.0.0.1"))
        #expect(controller.isSourceAllowed("::1"))
        #expect(!controller.isSourceAllowed("192.168.1.1"))
        #expect(!controller.isSourceAllowed("garbage"))

        let decision = controller.identify(headers: ["X-Caller": "fraud-app"], sourceAddress: "192.168.1.1")
        guard case .refused(let refusal) = decision else {
            Issue.record("expected a refusal, got \(decision)")
            return
        }
        #expect(refusal.status == 403)
        #expect(refusal.code == "source_not_allowed")
        #expect(refusal.headers.count == 0)
    }

    @Test func emptySourceListAllowsEveryone() {
        let open = AccessController(configuration: AccessConfiguration(), timeSource: ManualClock())
        #expect(open.isSourceAllowed("203.0.113.5"))
        #expect(open.identify(headers: [:], sourceAddress: "203.0.113.5") == .identified(unknown("203.0.113.5")))
    }

    @Test func headerAndSourceMustBothMatch() {
        #expect(
            controller.identify(headers: ["x-caller": "fraud-app"], sourceAddress: "10.1.2.3")
                == .identified(known("fraud-app"))
        )
        #expect(
            controller.identify(headers: ["X-Caller": "fraud-app"], sourceAddress: "::ffff:10.1.2.3")
                == .identified(known("fraud-app"))
        )
        #expect(
            controller.identify(headers: ["X-Caller": "fraud-app"], sourceAddress: "10.2.0.1")
                == .identified(unknown("10.2.0.1"))
        )
        #expect(
            controller.identify(headers: ["X-Caller": "Fraud-App"], sourceAddress: "10.1.2.3")
                == .identified(unknown("10.1.2.3"))
        )
    }

    @Test func repeatedCallerHeaderNeverMatches() {
        let headers = HTTPHeaders([("X-Caller", "fraud-app"), ("X-Caller", "fraud-app")])
        #expect(controller.identify(headers: headers, sourceAddress: "10.1.2.3") == .identified(unknown("10.1.2.3")))
    }

    @Test func sourceOnlyRuleMatchesWithoutHeaders() {
        #expect(controller.identify(headers: [:], sourceAddress: "10.9.8.7") == .identified(known("ops")))
        #expect(controller.identify(headers: [:], sourceAddress: "10.8.8.7") == .identified(unknown("10.8.8.7")))
    }

    @Test func callerKeyIsRequiredAndChecked() {
        let missing = controller.identify(headers: ["X-Caller": "batch"], sourceAddress: "10.5.0.1")
        let wrong = controller.identify(
            headers: ["X-Caller": "batch", "X-Infergate-Key": "guess"],
            sourceAddress: "10.5.0.1"
        )
        let right = controller.identify(
            headers: ["X-Caller": "batch", "x-infergate-key": Self.batchKey],
            sourceAddress: "10.5.0.1"
        )
        for decision in [missing, wrong] {
            guard case .refused(let refusal) = decision else {
                Issue.record("expected a refusal, got \(decision)")
                continue
            }
            #expect(refusal.status == 403)
            #expect(refusal.code == "caller_key_invalid")
            #expect(!refusal.message.contains(Self.batchKey))
        }
        #expect(right == .identified(known("batch")))
    }

    @Test func unknownCallersAreDeniedWhenThePolicySaysSo() {
        let strict = AccessController(configuration: Self.configuration(unknown: .deny), timeSource: ManualClock())
        let decision = strict.identify(headers: ["X-Caller": "someone"], sourceAddress: "10.3.3.3")
        guard case .refused(let refusal) = decision else {
            Issue.record("expected a refusal, got \(decision)")
            return
        }
        #expect(refusal.status == 403)
        #expect(refusal.code == "caller_denied")
        #expect(strict.identify(headers: [:], sourceAddress: "10.9.0.1") == .identified(known("ops")))
        #expect(strict.tryAdmit(caller: unknown("10.3.3.3"), route: "any").refusal?.code == "caller_denied")
    }

    @Test func routesAdmitOnlyTheirAllowedCallers() {
        var configuration = Self.configuration()
        configuration.routes = [RouteAccess(name: "score", allowedCallers: ["fraud-app"])]
        let controller = AccessController(configuration: configuration, timeSource: ManualClock())

        #expect(controller.tryAdmit(caller: known("fraud-app"), route: "score").permit != nil)
        let refusal = controller.tryAdmit(caller: known("ops"), route: "score").refusal
        #expect(refusal?.status == 403)
        #expect(refusal?.code == "route_not_allowed")
        #expect(controller.tryAdmit(caller: unknown("10.0.0.9"), route: "score").refusal?.code == "route_not_allowed")
        #expect(controller.tryAdmit(caller: known("ops"), route: "other").permit != nil)
    }

    @Test func validationCatchesImpossibleConfiguration() {
        var configuration = Self.configuration()
        #expect(throws: Never.self) { try configuration.validate() }

        configuration.callers.append(CallerRule(name: "ops"))
        #expect(throws: AccessError.self) { try configuration.validate() }

        configuration = Self.configuration()
        configuration.callers[0].keySHA256 = "abc"
        #expect(throws: AccessError.self) { try configuration.validate() }

        configuration = Self.configuration()
        configuration.routes = [RouteAccess(name: "r", limits: LimitSpec(requestsPerSecond: 1, burst: 0))]
        #expect(throws: AccessError.self) { try configuration.validate() }
    }
}
