import Foundation
import InfergateCore
import Testing

@testable import InfergateUpstream

/// TLS options against a local `openssl s_server` with a self-signed certificate.
@Suite("TransferEngine TLS", .serialized, .enabled(if: TLSTestServer.isAvailable, "needs /usr/bin/openssl"))
struct TransferEngineTLSTests {
    @Test(.timeLimit(.minutes(1))) func untrustedCertificateFailsVerificationByDefault() async throws {
        let server = try TLSTestServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }

        let url = "https://127.0.0.1:\(server.port)/"
        let request = UpstreamRequest(method: "GET", url: url, totalTimeoutMilliseconds: 5_000)
        let error = await TransferEngineFailureTests.failure(of: request, on: engine)

        #expect(error?.kind == .tls)
        #expect(error?.code == "upstream_tls")
    }

    @Test(.timeLimit(.minutes(1))) func caBundleOrDisabledVerificationConnects() async throws {
        let server = try TLSTestServer()
        defer { server.stop() }
        let engine = try TransferEngineTests.makeEngine()
        defer { engine.shutdown() }
        let url = "https://127.0.0.1:\(server.port)/"

        let pinned = try await engine.perform(
            UpstreamRequest(
                method: "GET",
                url: url,
                totalTimeoutMilliseconds: 5_000,
                tls: .init(caBundlePath: server.certificatePath)
            )
        )
        let unverified = try await engine.perform(
            UpstreamRequest(method: "GET", url: url, totalTimeoutMilliseconds: 5_000, tls: .init(verifyPeer: false))
        )

        #expect(pinned.status == 200)
        #expect(unverified.status == 200)
        #expect(pinned.httpVersion == "1.0")
        #expect(pinned.connectMicros > 0)
    }
}
