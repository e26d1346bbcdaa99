import InfergateAudit
import InfergateCore
import InfergateHTTP
import InfergateLimits

extension Gateway {
    /// Answers one request: access checks, routing, limits, forwarding or the local model,
    /// then the audit row, then the response. Runs on the cooperative pool, one task per request.
    func handle(_ request: HTTPRequest, responder: HTTPResponder) async {
        let runtime = self.runtime
        let requestID = RequestID.accept(request.headers["X-Request-Id"]) ?? RequestID.generate()
        var exchange = Exchange(
            request: request, requestID: requestID, startNanoseconds: timeSource.monotonicNanoseconds)

        if let response = operationalResponse(to: request, runtime: runtime) {
            responder.send(response)
            return
        }
        inFlightRequests.add(1, ordering: .relaxed)
        let response = await respond(to: &exchange, runtime: runtime)
        let final = await complete(&exchange, response: response)
        inFlightRequests.subtract(1, ordering: .relaxed)
        responder.send(final)
    }

    private func respond(to exchange: inout Exchange, runtime: GatewayRuntime) async -> HTTPResponse {
        let request = exchange.request
        guard runtime.access.isSourceAllowed(request.remoteAddress) else {
            return refusal(&exchange, status: 403, code: "source_not_allowed", message: "source address not allowed")
        }
        guard allowUnaudited || audit.health.isWritable else {
            return refusal(
                &exchange,
                status: 503,
                code: "audit_unavailable",
                message: "audit log unavailable: request refused rather than served unaudited",
                extraHeaders: ["Retry-After": "5"]
            )
        }

        let routeIndex: Int
        let upstreamURL: String
        switch runtime.router.route(path: request.path, query: request.query) {
        case .invalidPath(let reason):
            return refusal(&exchange, status: 400, code: "invalid_path", message: reason)
        case .notFound:
            return refusal(&exchange, status: 404, code: "route_not_found", message: "no route for this path")
        case .matched(let index, let url):
            routeIndex = index
            upstreamURL = url
        }
        let route = runtime.routes[routeIndex]
        exchange.routeName = route.name
        exchange.upstreamURL = Self.withoutQuery(upstreamURL)

        let caller: CallerIdentity
        switch runtime.access.identify(headers: request.headers, sourceAddress: request.remoteAddress) {
        case .refused(let refusal):
            return self.refusal(&exchange, refusal)
        case .identified(let identity):
            caller = identity
            exchange.caller = identity.name
        }

        switch await runtime.access.admit(caller: caller, route: route.name) {
        case .failure(let refusal):
            // The limit's level only ("caller", "route", ...): caller names are unbounded label values.
            let level = refusal.limitName?.split(separator: ":").first.map(String.init) ?? refusal.code
            metrics.increment("infergate_rate_limited_total", labels: [route.name, level])
            return self.refusal(&exchange, refusal)
        case .success(let permit):
            let response = await forward(&exchange, route: route, upstreamURL: upstreamURL, access: runtime.access)
            runtime.access.release(permit)
            var withQuota = response
            for field in permit.headers where !withQuota.headers.contains(field.name) {
                withQuota.headers.add(name: field.name, value: field.value)
            }
            return withQuota
        }
    }

    /// Writes the audit row, then stamps the response; a failed write replaces the answer with
    /// a refusal unless unaudited service is allowed.
    private func complete(_ exchange: inout Exchange, response: HTTPResponse) async -> HTTPResponse {
        var response = response
        response.headers.replaceOrAdd(name: "X-Request-Id", value: exchange.requestID)
        for field in exchange.extraResponseHeaders {
            response.headers.replaceOrAdd(name: field.name, value: field.value)
        }
        let now = timeSource.monotonicNanoseconds
        do {
            try await audit.record(exchange.auditRecord(response: response, nowNanoseconds: now))
        } catch {
            metrics.increment("infergate_audit_failures_total", labels: [error.code])
            logger.error("audit.write.failed", ["gw.request.id": exchange.requestID, "gw.error": error.code])
            if !allowUnaudited {
                let body = GatewayErrorBody(code: error.httpStatus, message: "audit log unavailable: answer withheld")
                response = HTTPResponse(
                    status: error.httpStatus,
                    headers: [
                        "Content-Type": "application/json", "Retry-After": "5", "X-Request-Id": exchange.requestID,
                    ],
                    body: body.bytes
                )
                exchange.errorCode = "audit_unavailable"
            }
        }
        recordMetrics(exchange, status: response.status, nowNanoseconds: timeSource.monotonicNanoseconds)
        return response
    }

    /// Audits a request the HTTP front refused on its own (malformed, too large, too slow).
    func recordRejection(_ rejection: HTTPRejection) async {
        metrics.increment("infergate_requests_total", labels: ["", "\(rejection.status)", "gateway"])
        let body = GatewayErrorBody(code: rejection.status, message: rejection.reason)
        let record = AuditRecord(
            requestID: RequestID.generate(),
            receivedAtMicros: rejection.receivedAtMicros,
            caller: nil,
            sourceAddress: rejection.remoteAddress,
            method: rejection.method ?? "",
            path: rejection.target ?? "",
            route: nil,
            upstreamURL: nil,
            requestHeaders: rejection.headers,
            responseHeaders: ["Content-Type": "application/json"],
            requestBody: [],
            responseBody: body.bytes,
            status: rejection.status,
            servedBy: .gateway,
            totalLatencyMicros: 0,
            upstreamLatencyMicros: nil,
            bytesIn: rejection.bytesReceived,
            bytesOut: body.bytes.count,
            tokenFingerprint: nil,
            errorCode: rejection.code
        )
        do {
            try await audit.record(record)
        } catch {
            logger.error("audit.write.failed", ["gw.error": error.code, "gw.rejection": rejection.code])
        }
    }

    private func recordMetrics(_ exchange: Exchange, status: Int, nowNanoseconds: UInt64) {
        let route = exchange.routeName ?? ""
        metrics.countAndObserve(
            counter: "infergate_requests_total",
            labels: [route, "\(status)", exchange.servedBy.rawValue],
            histogram: "infergate_request_duration_seconds",
            histogramLabels: [route],
            seconds: Double(nowNanoseconds &- exchange.startNanoseconds) / 1e9
        )
    }

    static func withoutQuery(_ url: String) -> String {
        guard let mark = url.utf8.firstIndex(of: UInt8(ascii: "?")) else {
            return url
        }
        return String(url[..<mark])
    }
}
