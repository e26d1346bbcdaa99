import InfergateCore
import InfergateHTTP
import InfergateLimits
import InfergateTokens
import InfergateUpstream

/// How one upstream attempt ended, as far as fallback and the breaker care.
enum UpstreamOutcome: Sendable {
    case response(UpstreamResponse)
    case failure(UpstreamError)
    /// `after_ms` passed before the pipeline answered; the transfer was cancelled.
    case deadlinePassed
}

extension Gateway {
    /// Sends the request to the route's pipeline with a fresh token, replays once on a 401,
    /// and turns failures into the local model's answer or a gateway error.
    func forward(
        _ exchange: inout Exchange,
        route: RouteRuntime,
        upstreamURL: String,
        access: AccessController
    ) async -> HTTPResponse {
        if let wait = access.upstreamBackoff(route: route.name) {
            if route.fallsBack(on: .overloaded) {
                return await answerLocally(&exchange, route: route, reason: "upstream_backoff")
            }
            return refusal(
                &exchange,
                status: 429,
                code: "upstream_backoff",
                message: "pipeline asked to slow down; retry after \(wait) s",
                extraHeaders: ["Retry-After": "\(wait)"]
            )
        }
        let admission = route.admitThroughBreaker(now: timeSource.monotonicNanoseconds)
        if admission == .reject {
            return await answerLocally(&exchange, route: route, reason: "circuit_open")
        }
        let isProbe = admission == .probe

        var token: BearerToken?
        if let provider = route.tokenProvider {
            do {
                token = try await provider.token()
            } catch {
                route.recordOutcome(success: false, wasProbe: isProbe, now: timeSource.monotonicNanoseconds)
                metrics.increment("infergate_upstream_errors_total", labels: [route.name, error.code])
                if route.fallsBack(on: .noToken) {
                    return await answerLocally(&exchange, route: route, reason: error.code)
                }
                return refusal(&exchange, status: error.httpStatus, code: error.code, message: error.message)
            }
        }

        var outcome = await attempt(&exchange, route: route, url: upstreamURL, token: token)
        if case .response(let response) = outcome, response.status == 401, let provider = route.tokenProvider,
            let rejected = token
        {
            // The pipeline refused a token we believed valid (revoked, clock skew): purge it,
            // wait for the single-flight fetch, and replay the buffered request once.
            provider.invalidate(fingerprint: rejected.fingerprint)
            if let fresh = try? await provider.token() {
                token = fresh
                outcome = await attempt(&exchange, route: route, url: upstreamURL, token: fresh)
            }
        }
        return await conclude(&exchange, outcome: outcome, route: route, isProbe: isProbe, access: access)
    }

    /// One upstream transfer, raced against the route's `after_ms` when it has a fallback.
    private func attempt(
        _ exchange: inout Exchange,
        route: RouteRuntime,
        url: String,
        token: BearerToken?
    ) async -> UpstreamOutcome {
        exchange.upstreamAttempts += 1
        exchange.tokenFingerprint = token?.fingerprint
        var request = UpstreamRequest(
            method: exchange.request.method,
            url: url,
            headers: ForwardedHeaders.upstreamRequestHeaders(
                from: exchange.request.headers,
                requestID: exchange.requestID,
                clientAddress: exchange.request.remoteAddress,
                bearerToken: token?.value
            ),
            body: exchange.request.body
        )
        request.connectTimeoutMilliseconds = route.settings.connectTimeoutMilliseconds
        request.totalTimeoutMilliseconds = route.settings.timeoutMilliseconds
        request.tls = TLSOptions(verifyPeer: route.settings.tls.verify, caBundlePath: route.settings.tls.caBundlePath)

        let started = timeSource.monotonicNanoseconds
        let deadline = route.model == nil ? nil : route.settings.fallback?.afterMilliseconds
        let outcome = await Self.perform(request, engine: engine, deadlineMilliseconds: deadline)
        exchange.upstreamLatencyMicros = Int64((timeSource.monotonicNanoseconds &- started) / 1000)
        return outcome
    }

    private static func perform(
        _ request: UpstreamRequest,
        engine: TransferEngine,
        deadlineMilliseconds: Int?
    ) async -> UpstreamOutcome {
        guard let deadlineMilliseconds else {
            return await performOnce(request, engine: engine)
        }
        return await withTaskGroup(of: UpstreamOutcome?.self) { group in
            group.addTask {
                await performOnce(request, engine: engine)
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(deadlineMilliseconds))
                return Task.isCancelled ? nil : .deadlinePassed
            }
            var first: UpstreamOutcome = .deadlinePassed
            if let winner = await group.next(), let outcome = winner {
                first = outcome
            }
            group.cancelAll()
            return first
        }
    }

    private static func performOnce(_ request: UpstreamRequest, engine: TransferEngine) async -> UpstreamOutcome {
        do {
            return .response(try await engine.perform(request))
        } catch {
            return .failure(error)
        }
    }
}
