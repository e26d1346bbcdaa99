import Foundation
import InfergateCore
import InfergateHTTP

extension WallarooStandIn {
    /// The pipeline inference endpoint: records the request, applies the behaviour, then infers.
    func handlePipeline(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let behaviour = state.withLock { state in
            state.stats.pipelineRequests += 1
            state.stats.lastPipelineRequest = RecordedRequest(
                method: request.method,
                target: request.target,
                headers: request.headers,
                body: request.body
            )
            return state.pipelineBehaviour
        }
        switch behaviour {
        case .normal:
            responder.send(answerPipeline(request))
        case .delay(let milliseconds):
            Self.later(milliseconds) { [self] in responder.send(answerPipeline(request)) }
        case .status(let status, let body, let contentType):
            let headers: HTTPHeaders = ["Content-Type": contentType]
            responder.send(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)))
        case .resetMidBody:
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json; format=pandas-records\r\n"
                + "Content-Length: 4096\r\n\r\n[{\"time\":1752682622795,\"in\":{\"text_input\":[0.0,"
            responder.sendRawThenReset(Array(head.utf8))
        case .garbage:
            responder.sendRaw(Array("HTTP/1.1 2x0 Whatever\r\n\u{1}\u{2}garbage\r\n\r\n".utf8), thenClose: true)
        case .hang:
            state.withLock { $0.hung.append(responder) }
        case .closeBeforeResponse:
            responder.sendRaw([], thenClose: true)
        case .retryAfter(let status, let seconds):
            let body = GatewayErrorBody(
                code: status,
                message: "The resources required to run this request are not available.",
                source: "engine"
            )
            responder.send(Self.json(status, body.json, extra: ["Retry-After": String(seconds)]))
        }
    }

    /// Checks the bearer token, then answers in the format the Content-Type asks for.
    private func answerPipeline(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "POST" else {
            return Self.json(405, GatewayErrorBody(code: 405, message: "Method not allowed", source: "platform").json)
        }
        if let refusal = checkBearer(request.headers["Authorization"]) {
            state.withLock { $0.stats.unauthorizedAnswers += 1 }
            return refusal
        }
        let contentType = (request.headers["Content-Type"] ?? "").lowercased()
        let nowMillis = configuration.timeSource.wallMicroseconds / 1_000
        let inference = StandInInference(modelName: configuration.modelName, pipelineName: configuration.pipelineName)
        if contentType.hasPrefix("application/vnd.apache.arrow.file") {
            // Arrow is echoed: the stand-in has no Arrow writer; the body still round-trips byte for byte.
            let headers: HTTPHeaders = ["Content-Type": "application/vnd.apache.arrow.file"]
            return HTTPResponse(status: 200, headers: headers, body: request.body)
        }
        let isPandas = contentType.contains("format=pandas-records")
        guard contentType.hasPrefix("application/json") else {
            return engineError(415, "unsupported content type")
        }
        do {
            if isPandas {
                let body = try inference.pandasRecords(request.body, timeMillis: nowMillis)
                return Self.json(200, body, replacingType: "application/json; format=pandas-records")
            }
            return Self.json(200, try inference.legacyResult(request.body, timeMillis: nowMillis))
        } catch let error as StandInInference.InputError {
            return engineError(400, error.message)
        } catch {
            return engineError(400, "invalid input")
        }
    }

    /// Envoy's JWT filter: nil when the token is live, else the 401 it would send.
    private func checkBearer(_ header: String?) -> HTTPResponse? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            let headers: HTTPHeaders = ["Content-Type": "text/plain", "WWW-Authenticate": "Bearer realm=\"standin\""]
            return HTTPResponse(status: 401, headers: headers, body: Array("Jwt is missing".utf8))
        }
        let token = String(header.dropFirst(7))
        let now = configuration.timeSource.monotonicNanoseconds
        let issued = state.withLock { $0.tokens[token] }
        guard let issued else {
            let body = GatewayErrorBody(code: 401, message: "Jwt verification fails", source: "platform")
            return Self.json(401, body.json)
        }
        guard !issued.isRevoked, now < issued.expiresAtNanos else {
            return Self.json(401, GatewayErrorBody(code: 401, message: "Jwt is expired", source: "platform").json)
        }
        return nil
    }

    private func engineError(_ status: Int, _ message: String) -> HTTPResponse {
        Self.json(status, GatewayErrorBody(code: status, message: message, source: "engine").json)
    }

    static func json(_ status: Int, _ body: String, replacingType contentType: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: Array(body.utf8))
    }
}
