import Foundation
import InfergateCore
import InfergateUpstream
import Testing
import WallarooStandIn

/// The audit log's promise against the real process: in durable mode every answer a client
/// saw has its row, even when the gateway is killed with SIGKILL in the middle of a load.
@Suite(.serialized, .enabled(if: GatewayProcess.executable != nil, "the infergate executable is not built"))
struct GatewayCrashTests {
    private func writeConfig(directory: String, standIn: WallarooStandIn) throws -> String {
        let text = """
            {"server": {"listen": "127.0.0.1:0", "drain_timeout_ms": 3000},
             "token_providers": {"w": {"token_url": "\(standIn.tokenURL)", "client_id": "api-client",
                                       "client_secret": "${STANDIN_SECRET}"}},
             "routes": [{"name": "aloha", "path": "/infer", "upstream": "\(standIn.pipelineURL(name: "aloha-1"))",
                         "token_provider": "w"}],
             "audit": {"path": "\(directory)/audit.sqlite", "durability": "durable"},
             "logging": {"level": "info"}}
            """
        let path = directory + "/config.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func requestIDs(in database: String) throws -> Set<String> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [database, "SELECT request_id FROM audit_rows"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Set(String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    @Test func everyAnsweredRequestSurvivesKillNine() async throws {
        let standIn = WallarooStandIn(configuration: .init(), logger: Logger(label: "standin", minimumLevel: .error))
        _ = try standIn.start()
        let directory = NSTemporaryDirectory() + "infergate-crash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try writeConfig(directory: directory, standIn: standIn)
        let environment = ["STANDIN_SECRET": "standin-secret"]

        let gateway = try GatewayProcess(configPath: config, environment: environment)
        try gateway.waitUntilListening()
        let client = try TransferEngine(logger: Logger(label: "client", minimumLevel: .error))
        let url = "http://127.0.0.1:\(gateway.port)/infer"

        // Eight clients send until the process dies; a request counts only if fully answered.
        let answered = await withTaskGroup(of: [String].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var ids: [String] = []
                    for index in 0..<100_000 {
                        let id = "crash-\(worker)-\(index)"
                        var request = UpstreamRequest(
                            method: "POST",
                            url: url,
                            headers: ["Content-Type": "application/json", "X-Request-Id": id],
                            body: Array(#"{"text_input":[[1,2,3]]}"#.utf8)
                        )
                        request.totalTimeoutMilliseconds = 5_000
                        guard let response = try? await client.perform(request), response.status > 0 else {
                            break
                        }
                        ids.append(id)
                    }
                    return ids
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(1_500))
                gateway.kill(signal: SIGKILL)
                return []
            }
            var all: [String] = []
            for await ids in group {
                all += ids
            }
            return all
        }
        #expect(gateway.waitForExit(seconds: 5) != nil)
        #expect(answered.count > 50, "only \(answered.count) requests were answered before the kill")

        // The file must open again after the crash; a second process proves it.
        let restarted = try GatewayProcess(configPath: config, environment: environment)
        try restarted.waitUntilListening()
        restarted.kill(signal: SIGTERM)
        #expect(restarted.waitForExit(seconds: 10) == 0)

        let stored = try requestIDs(in: directory + "/audit.sqlite")
        let missing = answered.filter { !stored.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) answered requests have no audit row, e.g. \(missing.prefix(3))")
        client.shutdown()
        await standIn.shutdown()
    }
}
