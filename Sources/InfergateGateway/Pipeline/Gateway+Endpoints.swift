import Foundation
import InfergateCore
import InfergateHTTP

extension Gateway {
    /// `/healthz`, `/readyz` and `/metrics`, or nil for any other request.
    ///
    /// These are answered before routing and are not audited: probes every few seconds would
    /// drown the audit log. They still obey `allowed_sources`.
    func operationalResponse(to request: HTTPRequest, runtime: GatewayRuntime) -> HTTPResponse? {
        guard request.method == "GET" || request.method == "HEAD" else {
            return nil
        }
        let response: HTTPResponse
        switch request.path {
        case "/healthz":
            response = HTTPResponse(
                status: 200, headers: ["Content-Type": "application/json"], body: Array(#"{"status":"ok"}"#.utf8))
        case "/readyz":
            response = readiness(runtime: runtime)
        case "/metrics":
            let text = metrics.render() + liveGauges(runtime: runtime)
            response = HTTPResponse(
                status: 200,
                headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                body: Array(text.utf8)
            )
        default:
            return nil
        }
        guard runtime.access.isSourceAllowed(request.remoteAddress) else {
            let body = GatewayErrorBody(code: 403, message: "source address not allowed")
            return HTTPResponse(status: 403, headers: ["Content-Type": "application/json"], body: body.bytes)
        }
        return response
    }

    /// 200 when the gateway can serve: accepting, audit writable (or unaudited service
    /// allowed), and every route has a valid token or a local model to answer with.
    func readiness(runtime: GatewayRuntime) -> HTTPResponse {
        var isReady = acceptsRequests
        var routes: [[String: Any]] = []
        for route in runtime.routes {
            var detail: [String: Any] = ["name": route.name, "circuit": route.circuitState.rawValue]
            var canServe = true
            if let provider = route.tokenProvider {
                let status = provider.status
                detail["token_valid"] = status.hasValidToken
                if let error = status.lastError {
                    detail["token_error"] = error.code
                }
                canServe = status.hasValidToken
            }
            if route.model != nil {
                detail["local_model"] = route.model?.name
                canServe = true
            }
            detail["ready"] = canServe
            isReady = isReady && canServe
            routes.append(detail)
        }
        let health = audit.health
        let auditOK = health.isWritable || allowUnaudited
        isReady = isReady && auditOK
        var auditDetail: [String: Any] = ["writable": health.isWritable, "pending_rows": health.pendingRows]
        if let error = health.lastError {
            auditDetail["error"] = error
        }
        let object: [String: Any] = ["status": isReady ? "ready" : "not ready", "routes": routes, "audit": auditDetail]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return HTTPResponse(
            status: isReady ? 200 : 503, headers: ["Content-Type": "application/json"], body: Array(data))
    }

    private func liveGauges(runtime: GatewayRuntime) -> String {
        var out = "# HELP infergate_in_flight_requests Requests being handled.\n"
        out += "# TYPE infergate_in_flight_requests gauge\n"
        out += "infergate_in_flight_requests \(inFlightRequests.load(ordering: .relaxed))\n"
        out += "# HELP infergate_circuit_state Circuit breaker state per route (0 closed, 1 open, 2 half-open).\n"
        out += "# TYPE infergate_circuit_state gauge\n"
        for route in runtime.routes {
            out += "infergate_circuit_state{route=\"\(route.name)\"} \(Int(route.circuitState.gaugeValue))\n"
        }
        out += "# HELP infergate_token_valid Whether the provider holds a token that can be attached.\n"
        out += "# TYPE infergate_token_valid gauge\n"
        out += "# HELP infergate_token_fetches_total Token requests sent to the token endpoint.\n"
        out += "# TYPE infergate_token_fetches_total counter\n"
        for name in runtime.providers.keys.sorted() {
            guard let status = runtime.providers[name]?.status else {
                continue
            }
            out += "infergate_token_valid{provider=\"\(name)\"} \(status.hasValidToken ? 1 : 0)\n"
            out += "infergate_token_fetches_total{provider=\"\(name)\"} \(status.fetchCount)\n"
        }
        let health = audit.health
        out += "# HELP infergate_audit_writable Whether the audit log accepts rows.\n"
        out += "# TYPE infergate_audit_writable gauge\n"
        out += "infergate_audit_writable \(health.isWritable ? 1 : 0)\n"
        out += "# HELP infergate_audit_rows_committed_total Audit rows committed since start.\n"
        out += "# TYPE infergate_audit_rows_committed_total counter\n"
        out += "infergate_audit_rows_committed_total \(health.committedRows)\n"
        return out
    }

    func describeMetrics() {
        metrics.describe(
            "infergate_requests_total",
            type: "counter",
            help: "Requests answered, by route, status and who answered.",
            labels: ["route", "status", "served_by"]
        )
        metrics.describe(
            "infergate_request_duration_seconds",
            type: "histogram",
            help: "Time from request to answer, by route.",
            labels: ["route"]
        )
        metrics.describe(
            "infergate_upstream_errors_total",
            type: "counter",
            help: "Upstream failures by route and kind.",
            labels: ["route", "kind"]
        )
        metrics.describe(
            "infergate_rate_limited_total",
            type: "counter",
            help: "Requests refused by a limit.",
            labels: ["route", "limit"]
        )
        metrics.describe(
            "infergate_fallback_total",
            type: "counter",
            help: "Requests answered by the local model, by reason.",
            labels: ["route", "reason"]
        )
        metrics.describe(
            "infergate_audit_failures_total",
            type: "counter",
            help: "Audit rows that could not be written.",
            labels: ["code"]
        )
    }
}
