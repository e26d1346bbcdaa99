import Foundation
import Testing

/// The real `infergate` executable, started as a child process on a loopback port.
///
/// The port is read from the `gateway.listening` log line, so tests can use port 0.
final class GatewayProcess: @unchecked Sendable {
    // @unchecked: `process` and `stderrPipe` are set in init and only read afterwards.
    let process = Process()
    let stderrPipe = Pipe()
    private(set) var port = 0

    /// The executable built beside the test bundle, or nil when it has not been built.
    static var executable: String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("infergate").path
            if FileManager.default.isExecutableFile(atPath: path) {
                return path
            }
        }
        return nil
    }

    init(configPath: String, environment: [String: String] = [:]) throws {
        guard let executable = Self.executable else {
            throw GatewayProcessError(message: "infergate executable not found next to the test bundle")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--config", configPath]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// Reads log lines until the listening line appears, bounded by `seconds`.
    func waitUntilListening(seconds: Double = 10) throws {
        let deadline = Date().addingTimeInterval(seconds)
        var text = ""
        let handle = stderrPipe.fileHandleForReading
        while Date() < deadline, process.isRunning {
            let chunk = handle.availableData
            if chunk.isEmpty {
                Thread.sleep(forTimeInterval: 0.02)
                continue
            }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: "msg=gateway.listening gw.listen=127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                port = Int(digits) ?? 0
                // Keep draining stderr so the child never blocks on a full pipe.
                handle.readabilityHandler = { handle in
                    if handle.availableData.isEmpty {
                        handle.readabilityHandler = nil
                    }
                }
                return
            }
        }
        throw GatewayProcessError(message: "gateway did not start listening: \(text.suffix(2_000))")
    }

    func kill(signal: Int32) {
        Glibc.kill(process.processIdentifier, signal)
    }

    func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        return process.isRunning ? nil : process.terminationStatus
    }
}

struct GatewayProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
