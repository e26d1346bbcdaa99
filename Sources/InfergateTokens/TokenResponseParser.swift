import Foundation

/// Validates a token endpoint response into a `TokenLifecycle.Grant` or a `TokenError`.
///
/// Only HTTP 200 with a JSON object holding a non-empty string `access_token`, a
/// `token_type` of `bearer` (any case) and, if present, a positive numeric `expires_in`
/// is a token. An absent `token_type` is accepted: RFC 6749 §5.1 makes it required, but
/// rejecting it would fail a working endpoint over a formality, and the value is only
/// ever sent as a bearer token. `reason` is a bounded, secret-free tag for the log.
enum TokenResponseParser {
    /// The outcome of one response.
    enum Outcome: Equatable {
        case token(TokenLifecycle.Grant)
        case failure(TokenError, reason: String)
    }

    /// Checks status first (only 200 can carry a token), then the body field by field.
    static func parse(status: Int, body: [UInt8]) -> Outcome {
        switch status {
        case 200:
            break
        case 201...299:
            return .failure(.responseInvalid, reason: "http_\(status)")
        case 400, 401, 403:
            return .failure(.endpointRejected, reason: "http_\(status)")
        case 100...599:
            return .failure(.endpointUnreachable, reason: "http_\(status)")
        default:
            return .failure(.responseInvalid, reason: "http_status_out_of_range")
        }
        guard !body.isEmpty else {
            return .failure(.responseInvalid, reason: "empty_body")
        }
        let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(body))
        guard case .object(let object) = parsed else {
            return .failure(.responseInvalid, reason: "not_a_json_object")
        }
        if object["error"] != nil {
            return .failure(.responseInvalid, reason: "error_object")
        }
        guard case .string(let accessToken) = object["access_token"], !accessToken.isEmpty else {
            return .failure(.responseInvalid, reason: "access_token_missing")
        }
        if let tokenType = object["token_type"] {
            guard case .string(let text) = tokenType, text.lowercased() == "bearer" else {
                return .failure(.responseInvalid, reason: "token_type_not_bearer")
            }
        }
        var grant = TokenLifecycle.Grant(accessToken: accessToken)
        if let expiresIn = object["expires_in"] {
            guard case .number(let seconds) = expiresIn, seconds > 0 else {
                return .failure(.responseInvalid, reason: "expires_in_invalid")
            }
            grant.expiresInSeconds = seconds
        }
        if case .string(let refreshToken) = object["refresh_token"], !refreshToken.isEmpty {
            grant.refreshToken = refreshToken
            if case .number(let seconds) = object["refresh_expires_in"] {
                grant.refreshExpiresInSeconds = seconds
            }
        }
        return .token(grant)
    }
}

/// Just enough of a JSON document model to check types field by field.
///
/// `JSONDecoder` is strict, so `true` never decodes as a number nor `1` as a boolean.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            self = .array(try container.decode([JSONValue].self))
        }
    }
}
