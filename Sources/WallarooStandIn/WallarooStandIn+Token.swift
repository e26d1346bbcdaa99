import Foundation
import InfergateCore
import InfergateHTTP

extension WallarooStandIn {
    /// Keycloak's token endpoint: client_credentials, password and refresh_token grants.
    func handleToken(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let form = FormBody.decode(request.body)
        let behaviour = state.withLock { state in
            state.stats.tokenRequests += 1
            state.stats.lastTokenScope = form["scope"]
            state.stats.lastGrantType = form["grant_type"]
            return state.tokenBehaviour
        }
        switch behaviour {
        case .normal:
            responder.send(answerToken(request, form: form))
        case .delay(let milliseconds):
            Self.later(milliseconds) { [self] in responder.send(answerToken(request, form: form)) }
        case .status(let status, let body):
            responder.send(Self.json(status, body))
        case .emptyBody200:
            responder.send(Self.json(200, ""))
        case .html200:
            let body = Array("<html><body><h1>We are sorry...</h1></body></html>".utf8)
            responder.send(HTTPResponse(status: 200, headers: ["Content-Type": "text/html"], body: body))
        case .jsonError200:
            responder.send(Self.json(200, #"{"error":"temporarily_unavailable","error_description":"try later"}"#))
        case .missingAccessToken:
            responder.send(Self.json(200, #"{"expires_in":300,"token_type":"Bearer","scope":"profile email"}"#))
        case .wrongTokenType:
            responder.send(Self.json(200, tokenJSON(issueToken(), type: "mac")))
        case .noExpiresIn:
            responder.send(Self.json(200, tokenJSON(issueToken(), includesExpiry: false)))
        case .down:
            responder.sendRaw([], thenClose: true)
        case .hang:
            state.withLock { $0.hung.append(responder) }
        }
    }

    /// The normal answer: checks the client, then the grant.
    private func answerToken(_ request: HTTPRequest, form: [String: String]) -> HTTPResponse {
        guard request.method == "POST" else {
            return Self.json(405, #"{"error":"invalid_request","error_description":"HTTP method not allowed"}"#)
        }
        let client =
            FormBody.basicCredentials(request.headers["Authorization"])
            ?? (form["client_id"] ?? "", form["client_secret"] ?? "")
        guard client.0 == configuration.clientID, client.1 == configuration.clientSecret else {
            let body =
                #"{"error":"unauthorized_client","#
                + #""error_description":"Invalid client or Invalid client credentials"}"#
            return Self.json(401, body)
        }
        switch form["grant_type"] {
        case "client_credentials":
            return Self.json(200, tokenJSON(issueToken()))
        case "password":
            guard let username = configuration.username, let password = configuration.password,
                form["username"] == username, form["password"] == password
            else {
                return Self.json(401, #"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#)
            }
            return Self.json(200, tokenJSON(issueToken(), refresh: issueRefreshToken()))
        case "refresh_token":
            guard let presented = form["refresh_token"], redeemRefreshToken(presented) else {
                return Self.json(400, #"{"error":"invalid_grant","error_description":"Invalid refresh token"}"#)
            }
            return Self.json(200, tokenJSON(issueToken(), refresh: issueRefreshToken()))
        default:
            let body = #"{"error":"unsupported_grant_type","error_description":"Unsupported grant_type"}"#
            return Self.json(400, body)
        }
    }

    /// A new distinct opaque access token, remembered with its expiry.
    func issueToken() -> String {
        let now = configuration.timeSource.monotonicNanoseconds
        let lifetime = UInt64(max(0, configuration.tokenLifetimeSeconds)) * 1_000_000_000
        return state.withLock { state in
            state.issued += 1
            let token = "standin-at-\(state.issued)-\(UInt64.random(in: 0...UInt64.max))"
            state.tokens[token] = IssuedToken(expiresAtNanos: now + lifetime)
            return token
        }
    }

    private func issueRefreshToken() -> String {
        let now = configuration.timeSource.monotonicNanoseconds
        let lifetime = UInt64(max(0, configuration.refreshLifetimeSeconds)) * 1_000_000_000
        return state.withLock { state in
            state.issued += 1
            let token = "standin-rt-\(state.issued)-\(UInt64.random(in: 0...UInt64.max))"
            state.refreshTokens[token] = now + lifetime
            return token
        }
    }

    /// True when `token` is a live refresh token; it is used up either way (Keycloak rotates them).
    private func redeemRefreshToken(_ token: String) -> Bool {
        let now = configuration.timeSource.monotonicNanoseconds
        return state.withLock { state in
            guard let expiry = state.refreshTokens.removeValue(forKey: token) else {
                return false
            }
            return now < expiry
        }
    }

    /// The token response with Keycloak's literal keys, in its order.
    private func tokenJSON(
        _ token: String,
        refresh: String? = nil,
        type: String = "Bearer",
        includesExpiry: Bool = true
    ) -> String {
        var text = "{\"access_token\":\(JSONText.quote(token))"
        if includesExpiry {
            text += ",\"expires_in\":\(configuration.tokenLifetimeSeconds)"
        }
        text += ",\"refresh_expires_in\":\(refresh == nil ? 0 : configuration.refreshLifetimeSeconds)"
        if let refresh {
            text += ",\"refresh_token\":\(JSONText.quote(refresh))"
        }
        text += ",\"token_type\":\(JSONText.quote(type)),\"not-before-policy\":0"
        return text + ",\"scope\":\"profile email\"}"
    }
}
