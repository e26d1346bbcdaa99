import Foundation
import InfergateCore
import InfergateUpstream
import Testing
import WallarooStandIn

/// The `infergate` executable as an operator meets it: `check`, `--help`, `--version`, SIGTERM
/// draining, SIGHUP reloading.
@Suite(.serialized, .enabled(if: GatewayProcess.executable != nil, "the infergate executable is not built"))
struct GatewayProcessTests {
    private func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: GatewayProcess.executable!)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, outText, errText)
    }

    private func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "infergate-process-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    private func config(_ directory: String, standIn: WallarooStandIn, extraRoute: String = "") -> String {
        """
        {"server": {"listen": "127.0.0.1:0", "drain_timeout_ms": 5000},
         "token_providers": {"w": {"token_url": "\(standIn.tokenURL)", "client_id": "api-client",
                                   "client_secret": "standin-secret"}},
         "routes": [{"name": "aloha", "path": "/infer", "upstream": "\(standIn.pipelineURL(name: "aloha-1"))",
                     "token_provider": "w"} \(extraRoute)],
         "audit": {"path": "\(directory)/audit.sqlite"}}
        """
    }

    @Test func helpAndVersionAnswer() throws {
        let help = try run(["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("infergate serve"))
        let version = try run(["--version"])
        #expect(version.status == 0)
        #expect(version.output.hasPrefix("infergate "))
        let serveHelp = try run(["serve", "--help"])
        #expect(serveHelp.output.contains("SIGHUP"))
        let unknown = try run(["frobnicate"])
        #expect(unknown.status == 2)
    }

    @Test func checkPrintsRedactedConfigurationOrNamesTheProblem() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/good.json"
        try #"""
        {"token_providers": {"w": {"token_url": "http://127.0.0.1:1/t", "client_id": "c",
                                   "client_secret": "super-secret-value"}},
         "routes": [{"name": "a", "path": "/a", "upstream": "http://127.0.0.1:1/a", "token_provider": "w"}]}
        """#.write(toFile: good, atomically: true, encoding: .utf8)
        let checked = try run(["check", "--config", good])
        #expect(checked.status == 0)
        #expect(checked.output.contains("\"client_secret\" : \"***\""))
        #expect(!checked.output.contains("super-secret-value"))

        let bad = directory + "/bad.json"
        try #"{"routes": [{"name": "a", "path": "/a", "upstream": "ftp://x/a"}]}"#
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try run(["check", "--config", bad])
        #expect(refused.status == 2)
        #expect(refused.errors.contains("routes[0].upstream"))
        #expect(refused.errors.contains("ftp://x/a"))
    }

    @Test func sigtermDrainsInFlightRequestsAndExitsZero() async throws {
        let standIn = WallarooStandIn(configuration: .init(), logger: Logger(label: "standin", minimumLevel: .error))
        _ = try standIn.start()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try config(directory, standIn: standIn).write(toFile: directory + "/c.json", atomically: true, encoding: .utf8)
        let gateway = try GatewayProcess(configPath: directory + "/c.json")
        try gateway.waitUntilListening()
        let client = try TransferEngine(logger: Logger(label: "client", minimumLevel: .error))
        _ = try await client.perform(UpstreamRequest(method: "GET", url: "http://127.0.0.1:\(gateway.port)/readyz"))

        standIn.setPipelineBehaviour(.delay(milliseconds: 1_000))
        let url = "http://127.0.0.1:\(gateway.port)/infer"
        let slow = Task {
            try await client.perform(
                UpstreamRequest(
                    method: "POST", url: url, headers: ["Content-Type": "application/json"],
                    body: Array(#"{"text_input":[[1,2,3]]}"#.utf8))
            )
        }
        try await Task.sleep(for: .milliseconds(300))
        gateway.kill(signal: SIGTERM)
        let response = try await slow.value
        #expect(response.status == 200)
        #expect(gateway.waitForExit(seconds: 10) == 0)
        client.shutdown()
        await standIn.shutdown()
    }

    @Test func sighupReloadsRoutesWithoutDroppingTheListener() async throws {
        let standIn = WallarooStandIn(configuration: .init(), logger: Logger(label: "standin", minimumLevel: .error))
        _ = try standIn.start()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/c.json"
        try config(directory, standIn: standIn).write(toFile: path, atomically: true, encoding: .utf8)
        let gateway = try GatewayProcess(configPath: path)
        try gateway.waitUntilListening()
        let client = try TransferEngine(logger: Logger(label: "client", minimumLevel: .error))
        let newURL = "http://127.0.0.1:\(gateway.port)/second"
        let before = try await client.perform(
            UpstreamRequest(method: "POST", url: newURL, body: Array(#"{"text_input":[[1,2,3]]}"#.utf8)))
        #expect(before.status == 404)

        let route =
            #", {"name": "second", "path": "/second", "#
            + #""upstream": "\#(standIn.pipelineURL(name: "aloha-1"))", "token_provider": "w"}"#
        try config(directory, standIn: standIn, extraRoute: route).write(
            toFile: path, atomically: true, encoding: .utf8)
        gateway.kill(signal: SIGHUP)
        var status = 0
        for _ in 0..<50 where status != 200 {
            try await Task.sleep(for: .milliseconds(100))
            let request = UpstreamRequest(
                method: "POST",
                url: newURL,
                headers: ["Content-Type": "application/json"],
                body: Array(#"{"text_input":[[1,2,3]]}"#.utf8)
            )
            status = try await client.perform(request).status
        }
        #expect(status == 200)
        gateway.kill(signal: SIGTERM)
        #expect(gateway.waitForExit(seconds: 10) == 0)
        client.shutdown()
        await standIn.shutdown()
    }
}
