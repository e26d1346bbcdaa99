import Foundation
import InfergateCore
import Synchronization
import Testing
import WallarooStandIn

/// A clock the test moves by hand.
final class ManualTimeSource: TimeSource {
    private let nanos = Atomic<UInt64>(1_000_000_000)

    var monotonicNanoseconds: UInt64 { nanos.load(ordering: .relaxed) }
    var wallMicroseconds: Int64 { 1_752_682_622_795_000 + Int64(nanos.load(ordering: .relaxed) / 1_000) }

    func advance(seconds: Int) {
        nanos.add(UInt64(seconds) * 1_000_000_000, ordering: .relaxed)
    }
}

/// Starts a stand-in for one test and always shuts it down.
func withStandIn(
    _ configure: (inout WallarooStandIn.Configuration) -> Void = { _ in },
    _ body: (WallarooStandIn, Int) async throws -> Void
) async throws {
    var configuration = WallarooStandIn.Configuration()
    configure(&configuration)
    let standIn = WallarooStandIn(configuration: configuration, logger: Logger(label: "test", minimumLevel: .warning))
    let port = try standIn.start()
    do {
        try await body(standIn, port)
    } catch {
        await standIn.shutdown()
        throw error
    }
    await standIn.shutdown()
}

/// One request on a fresh connection; the response, or the error the client hit.
func exchange(
    _ port: Int,
    _ method: String,
    _ path: String,
    headers: [(String, String)] = [],
    body: [UInt8] = [],
    timeoutMilliseconds: Int = 5_000
) throws -> RawHTTPClient.Response {
    let client = try RawHTTPClient(port: port, timeoutMilliseconds: timeoutMilliseconds)
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
    for (name, value) in headers {
        head += "\(name): \(value)\r\n"
    }
    try client.send(Array((head + "\r\n").utf8) + body)
    return try client.readResponse()
}

let tokenPath = "/auth/realms/master/protocol/openid-connect/token"
let formType = ("Content-Type", "application/x-www-form-urlencoded")

/// A client-credentials token obtained with HTTP Basic.
func fetchToken(_ port: Int) throws -> String {
    let basic = Data("api-client:standin-secret".utf8).base64EncodedString()
    let response = try exchange(
        port, "POST", tokenPath,
        headers: [formType, ("Authorization", "Basic \(basic)")],
        body: Array("grant_type=client_credentials&scope=openid".utf8)
    )
    let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
    return try #require(object?["access_token"] as? String)
}

extension HTTPModuleTests {
    @Suite("WallarooStandIn tokens")
    struct WallarooStandInTokenTests {
        @Test("issues distinct bearer tokens for Basic and for form client auth, with Keycloak's keys")
        func clientCredentials() async throws {
            try await withStandIn { standIn, port in
                let viaBasic = try fetchToken(port)
                let response = try exchange(
                    port, "POST", tokenPath, headers: [formType],
                    body: Array("grant_type=client_credentials&client_id=api-client&client_secret=standin-secret".utf8)
                )
                #expect(response.status == 200)
                #expect(response.text.hasPrefix(#"{"access_token":""#))
                let tail =
                    #","expires_in":3600,"refresh_expires_in":0,"token_type":"Bearer","#
                    + #""not-before-policy":0,"scope":"profile email"}"#
                #expect(response.text.hasSuffix(tail))
                #expect(!response.text.contains(viaBasic))
                #expect(standIn.stats.tokenRequests == 2)
                #expect(standIn.stats.lastGrantType == "client_credentials")
            }
        }

        @Test("records the scope it received")
        func recordsScope() async throws {
            try await withStandIn { standIn, port in
                _ = try fetchToken(port)
                #expect(standIn.stats.lastTokenScope == "openid")
            }
        }

        @Test("refuses a wrong secret with 401 unauthorized_client and an unknown grant with 400")
        func badCredentials() async throws {
            try await withStandIn { _, port in
                let basic = Data("api-client:wrong".utf8).base64EncodedString()
                let refused = try exchange(
                    port, "POST", tokenPath, headers: [formType, ("Authorization", "Basic \(basic)")],
                    body: Array("grant_type=client_credentials".utf8)
                )
                #expect(refused.status == 401)
                let expected =
                    #"{"error":"unauthorized_client","#
                    + #""error_description":"Invalid client or Invalid client credentials"}"#
                #expect(refused.text == expected)
                let good = Data("api-client:standin-secret".utf8).base64EncodedString()
                let unsupported = try exchange(
                    port, "POST", tokenPath, headers: [formType, ("Authorization", "Basic \(good)")],
                    body: Array("grant_type=implicit".utf8)
                )
                #expect(unsupported.status == 400)
                #expect(unsupported.text.contains(#""error":"unsupported_grant_type""#))
            }
        }

        @Test("password grant returns a refresh token that can be redeemed once")
        func passwordAndRefresh() async throws {
            try await withStandIn({
                $0.username = "u"
                $0.password = "p w"
            }) { _, port in
                let good = Data("api-client:standin-secret".utf8).base64EncodedString()
                let auth = ("Authorization", "Basic \(good)")
                let first = try exchange(
                    port, "POST", tokenPath, headers: [formType, auth],
                    body: Array("grant_type=password&username=u&password=p+w".utf8)
                )
                #expect(first.status == 200)
                let object = try JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any]
                let refresh = try #require(object?["refresh_token"] as? String)
                let body = Array("grant_type=refresh_token&refresh_token=\(refresh)".utf8)
                #expect(try exchange(port, "POST", tokenPath, headers: [formType, auth], body: body).status == 200)
                #expect(try exchange(port, "POST", tokenPath, headers: [formType, auth], body: body).status == 400)
                let wrongUser = Array("grant_type=password&username=u&password=x".utf8)
                #expect(
                    try exchange(port, "POST", tokenPath, headers: [formType, auth], body: wrongUser).status == 401)
            }
        }

        @Test("a token stops working after its lifetime and after revocation")
        func expiryAndRevocation() async throws {
            let clock = ManualTimeSource()
            try await withStandIn({
                $0.tokenLifetimeSeconds = 2
                $0.timeSource = clock
            }) { standIn, port in
                let path = "/v1/api/pipelines/infer/aloha-1"
                let body = Array(#"{"tensor":[[1,2]]}"#.utf8)
                let token = try fetchToken(port)
                let auth = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
                #expect(try exchange(port, "POST", path, headers: auth, body: body).status == 200)
                clock.advance(seconds: 2)
                let expired = try exchange(port, "POST", path, headers: auth, body: body)
                #expect(expired.status == 401)
                #expect(expired.text == #"{"code":401,"status":"error","error":"Jwt is expired","source":"platform"}"#)

                let fresh = try fetchToken(port)
                standIn.revokeAllTokens()
                let revoked = [("Authorization", "Bearer \(fresh)"), ("Content-Type", "application/json")]
                #expect(try exchange(port, "POST", path, headers: revoked, body: body).status == 401)
                #expect(standIn.stats.unauthorizedAnswers == 2)
            }
        }

        @Test("token misbehaviour switches change the next answers")
        func tokenBehaviours() async throws {
            try await withStandIn { standIn, port in
                try checkTokenBehaviours(standIn, port)
            }
        }

        private func checkTokenBehaviours(_ standIn: WallarooStandIn, _ port: Int) throws {
            let basic = Data("api-client:standin-secret".utf8).base64EncodedString()
            let headers = [formType, ("Authorization", "Basic \(basic)")]
            let body = Array("grant_type=client_credentials".utf8)
            func ask() throws -> RawHTTPClient.Response {
                try exchange(port, "POST", tokenPath, headers: headers, body: body, timeoutMilliseconds: 1_000)
            }
            standIn.setTokenBehaviour(.status(503, body: #"{"error":"down"}"#))
            #expect(try ask().status == 503)
            standIn.setTokenBehaviour(.emptyBody200)
            #expect(try ask().body.isEmpty)
            standIn.setTokenBehaviour(.html200)
            #expect(try ask().header("Content-Type") == "text/html")
            standIn.setTokenBehaviour(.jsonError200)
            #expect(try ask().text.contains(#""error":"#))
            standIn.setTokenBehaviour(.missingAccessToken)
            #expect(!(try ask().text.contains("access_token")))
            standIn.setTokenBehaviour(.wrongTokenType)
            #expect(try ask().text.contains(#""token_type":"mac""#))
            standIn.setTokenBehaviour(.noExpiresIn)
            #expect(!(try ask().text.contains("\"expires_in\"")))
            standIn.setTokenBehaviour(.down)
            #expect(throws: (any Error).self) { try ask() }
            standIn.setTokenBehaviour(.hang)
            #expect(throws: (any Error).self) { try ask() }
            standIn.setTokenBehaviour(.delay(milliseconds: 200))
            let started = Date()
            #expect(try ask().status == 200)
            #expect(Date().timeIntervalSince(started) >= 0.2)
        }
    }
}
