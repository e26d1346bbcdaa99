import InfergateCore
import InfergateHTTP
import InfergateLimits

extension Gateway {
    /// A JSON error answered by the gateway itself, recorded on the exchange.
    func refusal(
        _ exchange: inout Exchange,
        status: Int,
        code: String,
        message: String,
        extraHeaders: HTTPHeaders = [:],
        extraFields: [(String, String)] = []
    ) -> HTTPResponse {
        exchange.errorCode = code
        exchange.servedBy = .gateway
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        for field in extraHeaders {
            headers.add(name: field.name, value: field.value)
        }
        let body = GatewayErrorBody(code: status, message: message, extra: extraFields)
        return HTTPResponse(status: status, headers: headers, body: body.bytes)
    }

    /// The answer for a refusal by the access rules or the limits: 403 or 429 with the
    /// limit's headers and the name of the limit that was hit.
    func refusal(_ exchange: inout Exchange, _ refusal: AccessRefusal) -> HTTPResponse {
        var fields: [(String, String)] = [("reason", refusal.code)]
        if let limit = refusal.limitName {
            fields.append(("limit", limit))
        }
        return self.refusal(
            &exchange,
            status: refusal.status,
            code: refusal.code,
            message: refusal.message,
            extraHeaders: refusal.headers,
            extraFields: fields
        )
    }
}
