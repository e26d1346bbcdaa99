import Foundation
import InfergateCore
import Synchronization

@testable import InfergateTokens

/// One request the scripted client received, as bytes and headers.
struct RecordedTokenRequest: Sendable {
    var url: String
    var headers: HTTPHeaders
    var body: [UInt8]

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// An in-memory token endpoint that answers from a script and records every request.
///
/// The script gets the 0-based call index and the request; the mutex guards the record.
final class ScriptedTokenClient: TokenEndpointClient {
    typealias Script = @Sendable (Int, RecordedTokenRequest) async throws -> TokenHTTPResponse

    private let script: Script
    private let recorded = Mutex<[RecordedTokenRequest]>([])
    private let concurrent = Mutex<(now: Int, peak: Int)>((0, 0))

    init(script: @escaping Script) {
        self.script = script
    }

    var requests: [RecordedTokenRequest] { recorded.withLock { $0 } }
    var callCount: Int { recorded.withLock { $0.count } }
    var peakConcurrentCalls: Int { concurrent.withLock { $0.peak } }

    func post(
        url: String,
        headers: HTTPHeaders,
        body: [UInt8],
        timeoutMilliseconds: Int
    ) async throws -> TokenHTTPResponse {
        let request = RecordedTokenRequest(url: url, headers: headers, body: body)
        let index = recorded.withLock { list in
            list.append(request)
            return list.count - 1
        }
        concurrent.withLock { state in
            state.now += 1
            state.peak = max(state.peak, state.now)
        }
        defer { concurrent.withLock { $0.now -= 1 } }
        return try await script(index, request)
    }
}

/// A transport failure as the gateway's client would throw it.
struct ConnectionRefused: Error {}

/// A clock the test moves by hand.
final class ManualTimeSource: TimeSource {
    private let now = Mutex<UInt64>(1_000_000_000)

    var monotonicNanoseconds: UInt64 { now.withLock { $0 } }
    var wallMicroseconds: Int64 { Int64(monotonicNanoseconds / 1000) }

    func advance(seconds: Double) {
        now.withLock { $0 += UInt64(seconds * 1e9) }
    }
}

/// Every log event a provider emitted, for asserting on content.
final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    var observer: TokenLogObserver {
        { [self] level, message, metadata in
            let rendered = metadata.keys.sorted().map { "\($0)=\(metadata[$0] ?? "")" }
            lines.withLock { $0.append("\(level) \(message) " + rendered.joined(separator: " ")) }
        }
    }

    var all: [String] { lines.withLock { $0 } }

    func contains(_ message: String) -> Bool {
        all.contains { $0.contains(message) }
    }
}

enum TokenFixtures {
    static let url = "http://127.0.0.1:1/auth/realms/master/protocol/openid-connect/token"

    /// Fast backoff for tests; `floorSeconds: 0` lets a test invalidate a token it just fetched.
    static func configuration(
        secret: SecretSource? = .literal("client-secret-value"),
        floorSeconds: Double = 10
    ) -> TokenProviderConfiguration {
        var configuration = TokenProviderConfiguration(
            name: "test",
            tokenURL: url,
            clientID: "api-client",
            clientSecret: secret
        )
        configuration.backoffInitialSeconds = 0.02
        configuration.backoffMaximumSeconds = 0.1
        configuration.waitTimeoutMilliseconds = 3_000
        configuration.minimumRefreshIntervalSeconds = floorSeconds
        return configuration
    }

    /// A Keycloak-shaped success body.
    static func tokenBody(
        _ accessToken: String,
        expiresIn: Double? = 3600,
        refreshToken: String? = nil,
        refreshExpiresIn: Double? = nil
    ) -> TokenHTTPResponse {
        var fields = ["\"access_token\":\(JSONText.quote(accessToken))", "\"token_type\":\"Bearer\""]
        if let expiresIn {
            fields.append("\"expires_in\":\(expiresIn)")
        }
        if let refreshToken {
            fields.append("\"refresh_token\":\(JSONText.quote(refreshToken))")
        }
        if let refreshExpiresIn {
            fields.append("\"refresh_expires_in\":\(refreshExpiresIn)")
        }
        return response(200, "{" + fields.joined(separator: ",") + ",\"not-before-policy\":0}")
    }

    static func response(_ status: Int, _ body: String) -> TokenHTTPResponse {
        TokenHTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(body.utf8))
    }

    static func logger() -> Logger {
        Logger(label: "tokens-test", minimumLevel: .error)
    }
}

/// Polls `condition` every 5 ms for at most `seconds`; returns whether it became true.
func eventually(within seconds: Double = 3, _ condition: () -> Bool) async -> Bool {
    let attempts = Int(seconds / 0.005)
    for _ in 0..<attempts {
        if condition() {
            return true
        }
        try? await Task.sleep(nanoseconds: 5_000_000)
    }
    return condition()
}
