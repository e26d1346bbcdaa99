import Foundation
import Testing

@testable import InfergateGateway

@Suite struct GatewayConfigurationTests {
    static let minimal = #"""
        {"routes": [{"name": "aloha", "path": "/v1/api/pipelines/infer/aloha-1",
                     "upstream": "https://wallaroo.example.com/v1/api/pipelines/infer/aloha-1"}]}
        """#

    private func parse(_ text: String, environment: [String: String] = [:]) throws -> GatewayConfiguration {
        try GatewayConfiguration.parse(Array(text.utf8), environment: environment)
    }

    private func error(_ text: String, environment: [String: String] = [:]) -> ConfigurationError? {
        do {
            _ = try parse(text, environment: environment)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test func minimalFileGetsDefaults() throws {
        let configuration = try parse(Self.minimal)
        #expect(configuration.server.host == "127.0.0.1")
        #expect(configuration.server.port == 8080)
        #expect(configuration.server.maxBodyBytes == 64 << 20)
        #expect(configuration.routes[0].timeoutMilliseconds == 60_000)
        #expect(configuration.routes[0].tls.verify)
        #expect(configuration.audit.durable)
    }

    @Test func environmentVariablesAreSubstituted() throws {
        let text = #"""
            {"token_providers": {"w": {"token_url": "http://127.0.0.1:1/token", "client_id": "api-client",
                                       "client_secret": "${SECRET}"}}}
            """#
        let configuration = try parse(text, environment: ["SECRET": "s3cr3t"])
        #expect(configuration.tokenProviders[0].clientSecret == "s3cr3t")
        let missing = error(text)
        #expect(missing?.key == "token_providers.w.client_secret")
        #expect(missing?.reason.contains("SECRET") == true)
    }

    @Test func errorsNameKeyValueAndReason() {
        let badListen = error(#"{"server": {"listen": "localhost"}}"#)
        #expect(badListen?.key == "server.listen")
        #expect(badListen?.value == "localhost")

        let unknown = error(#"{"server": {"listne": "127.0.0.1:1"}}"#)
        #expect(unknown?.key == "server.listne")
        #expect(unknown?.reason == "unknown key")

        let openDoor = error(#"{"server": {"allowed_sources": []}}"#)
        #expect(openDoor?.key == "server.allowed_sources")

        let badRange = error(#"{"server": {"max_connections": 0}}"#)
        #expect(badRange?.key == "server.max_connections")

        let badURL = error(#"{"routes": [{"name": "a", "path": "/a", "upstream": "ftp://x/y"}]}"#)
        #expect(badURL?.key == "routes[0].upstream")

        let traversal = error(#"{"routes": [{"name": "a", "path": "/a/../b", "upstream": "http://x/y"}]}"#)
        #expect(traversal?.key == "routes[0].path")

        let dangling = error(
            #"{"routes": [{"name": "a", "path": "/a", "upstream": "http://x/y", "token_provider": "nope"}]}"#)
        #expect(dangling?.key == "routes[0].token_provider")
    }

    @Test func redactedOutputNeverHoldsSecrets() throws {
        let text = #"""
            {"token_providers": {"w": {"token_url": "http://127.0.0.1:1/token", "client_id": "api-client",
                                       "client_secret": "very-secret-value", "grant": "client_credentials"}},
             "callers": [{"name": "c", "match": {"header": "X-Caller", "value": "c"},
                          "key_sha256": "\#(String(repeating: "ab", count: 32))"}]}
            """#
        let configuration = try parse(text)
        let printed = configuration.redactedJSON
        #expect(!printed.contains("very-secret-value"))
        #expect(!printed.contains(String(repeating: "ab", count: 32)))
        #expect(printed.contains("\"client_secret\" : \"***\""))
    }

    @Test func secretValuesAreRedactedInErrors() {
        let wrongType = error(
            #"{"token_providers": {"w": {"token_url": "http://h/t", "client_id": "c", "client_secret": 12345}}}"#)
        #expect(wrongType?.value == "***")
    }

    @Test func shippedDefaultConfigurationParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("config/infergate.json").path
        let configuration = try GatewayConfiguration.load(path: path, environment: ["WALLAROO_CLIENT_SECRET": "x"])
        #expect(configuration.routes.map(\.name) == ["aloha"])
        #expect(configuration.routes[0].fallback?.triggers.contains(.noToken) == true)
    }
}
