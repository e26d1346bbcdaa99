import Foundation
import InfergateCore
import InfergateHTTP
import InfergateLimits
import InfergateUpstream

extension Gateway {
    /// Relays the pipeline's answer verbatim, or decides between the local model and a
    /// gateway error when the pipeline failed. Caller-fault 4xx answers are always relayed.
    func conclude(
        _ exchange: inout Exchange,
        outcome: UpstreamOutcome,
        route: RouteRuntime,
        isProbe: Bool,
        access: AccessController
    ) async -> HTTPResponse {
        let now = timeSource.monotonicNanoseconds
        switch outcome {
        case .deadlinePassed:
            route.recordOutcome(success: false, wasProbe: isProbe, now: now)
            metrics.increment("infergate_upstream_errors_total", labels: [route.name, "deadline"])
            return await answerLocally(&exchange, route: route, reason: "upstream_slower_than_after_ms")

        case .failure(let error):
            route.recordOutcome(success: false, wasProbe: isProbe, now: now)
            metrics.increment("infergate_upstream_errors_total", labels: [route.name, error.code])
            exchange.errorCode = error.code
            // The engine's own status choice (504 for timeouts, else 502) also names the trigger.
            let status = error.suggestedHTTPStatus
            let trigger: FallbackTrigger = status == 504 ? .timeout : .connect
            if error.kind != .cancelled, route.fallsBack(on: trigger) {
                return await answerLocally(&exchange, route: route, reason: error.code)
            }
            return refusal(&exchange, status: status, code: error.code, message: error.message)

        case .response(let response):
            let overloaded = response.status == 429 || response.status == 503
            if overloaded, let seconds = Self.retryAfterSeconds(response.headers["Retry-After"]) {
                access.noteUpstreamRetryAfter(route: route.name, seconds: seconds)
            }
            let failed = response.status >= 500
            route.recordOutcome(success: !failed, wasProbe: isProbe, now: now)
            if failed || overloaded {
                let code = overloaded ? "upstream_overloaded" : "upstream_\(response.status)"
                metrics.increment("infergate_upstream_errors_total", labels: [route.name, code])
                let trigger: FallbackTrigger = overloaded ? .overloaded : .serverError
                if route.fallsBack(on: trigger) {
                    exchange.errorCode = code
                    return await answerLocally(&exchange, route: route, reason: code)
                }
            }
            exchange.servedBy = .upstream
            return HTTPResponse(
                status: response.status,
                headers: ForwardedHeaders.downstreamResponseHeaders(from: response.headers),
                body: response.body
            )
        }
    }

    /// Whole seconds from a `Retry-After` value (RFC 9110 §10.2.3); HTTP dates are read too.
    static func retryAfterSeconds(_ value: String?) -> Int? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return nil
        }
        if let seconds = Int(value) {
            return max(1, min(seconds, 3_600))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else {
            return nil
        }
        return max(1, min(Int(date.timeIntervalSinceNow.rounded(.up)), 3_600))
    }
}
