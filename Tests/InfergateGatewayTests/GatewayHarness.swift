import Foundation
import InfergateCore
import InfergateUpstream
import Testing
import WallarooStandIn

@testable import InfergateGateway

/// A gateway and a Wallaroo stand-in running in this process on loopback, with the audit log
/// in a fresh temporary folder. Requests go through a real libcurl client.
final class GatewayHarness: Sendable {
    let standIn: WallarooStandIn
    let gateway: Gateway
    let port: Int
    let directory: String
    let client: TransferEngine
    let configuration: GatewayConfiguration

    var auditPath: String { directory + "/audit.sqlite" }

    /// The folder of the shared Wallaroo data, when it is present beside the checkout.
    static let sharedData: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("shared/wallaroo-data").path
        return FileManager.default.fileExists(atPath: path + "/aloha-cnn-lstm.fused.onnx") ? path : nil
    }()

    static var alohaModel: String? {
        sharedData.map { $0 + "/aloha-cnn-lstm.fused.onnx" }
    }

    /// Starts both; `route` adds keys to the `aloha` route, `extra` adds top-level sections.
    init(
        tokenLifetimeSeconds: Int = 3_600,
        route: String = "",
        provider: String = "",
        extra: String = "",
        audit: String = "",
        standInPipeline: String = "aloha-1",
        initialTokenBehaviour: WallarooStandIn.TokenBehaviour = .normal
    ) async throws {
        var standInConfiguration = WallarooStandIn.Configuration()
        standInConfiguration.tokenLifetimeSeconds = tokenLifetimeSeconds
        standInConfiguration.pipelineName = standInPipeline
        let standIn = WallarooStandIn(
            configuration: standInConfiguration, logger: Logger(label: "standin", minimumLevel: .error))
        _ = try standIn.start()
        standIn.setTokenBehaviour(initialTokenBehaviour)
        self.standIn = standIn

        directory = FileManager.default.temporaryDirectory.appendingPathComponent("infergate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = """
            {"server": {"listen": "127.0.0.1:0", "drain_timeout_ms": 2000},
             "token_providers": {"wallaroo": {"token_url": "\(standIn.tokenURL)", "client_id": "api-client",
                                              "client_secret": "standin-secret" \(provider)}},
             "routes": [{"name": "aloha", "path": "/v1/api/pipelines/infer/aloha-1",
                         "upstream": "\(standIn.pipelineURL(name: "aloha-1"))", "token_provider": "wallaroo" \(route)}],
             "audit": {"path": "\(directory)/audit.sqlite" \(audit)}
             \(extra)}
            """
        configuration = try GatewayConfiguration.parse(Array(text.utf8))
        gateway = try Gateway(configuration: configuration, logger: Logger(label: "gateway", minimumLevel: .error))
        port = try gateway.start()
        client = try TransferEngine(logger: Logger(label: "client", minimumLevel: .error))
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Sends a request to the gateway and returns its answer.
    func send(
        _ method: String = "POST",
        _ target: String = "/v1/api/pipelines/infer/aloha-1",
        headers: HTTPHeaders = ["Content-Type": "application/json"],
        body: [UInt8] = Array(#"{"text_input":[[0,0,28,16,32]]}"#.utf8),
        timeoutMilliseconds: Int = 20_000
    ) async throws -> UpstreamResponse {
        var headers = headers
        if method == "POST", !headers.contains("Content-Type") {
            headers.add(name: "Content-Type", value: "application/json")
        }
        var request = UpstreamRequest(method: method, url: baseURL + target, headers: headers, body: body)
        request.totalTimeoutMilliseconds = timeoutMilliseconds
        return try await client.perform(request)
    }

    /// Waits until the gateway's providers hold a token, bounded by `seconds`.
    func waitUntilReady(seconds: Double = 5) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if gateway.runtime.providers.values.allSatisfy({ $0.status.hasValidToken }) {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("gateway did not get a token within \(seconds) s")
    }

    /// Rows of the audit log as JSON objects, through the sqlite3 command-line shell.
    func auditRows(_ columns: String = "*", where condition: String = "1") throws -> [[String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [
            "-json", "-readonly", auditPath, "SELECT \(columns) FROM audit_rows WHERE \(condition) ORDER BY seq",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard !data.isEmpty else {
            return []
        }
        return (try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []
    }

    func stop() async {
        await gateway.shutdown()
        await standIn.shutdown()
        client.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension UpstreamResponse {
    var text: String { String(decoding: body, as: UTF8.self) }

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }
}
