import Foundation
import Glibc

/// `openssl s_server -www` on 127.0.0.1 with a fresh self-signed certificate, for TLS tests.
///
/// Needs the `openssl` binary; `isAvailable` lets suites skip without it. The certificate
/// names IP 127.0.0.1 so it verifies when passed as the CA bundle. `stop` ends the process.
final class TLSTestServer {
    static let opensslPath = "/usr/bin/openssl"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: opensslPath) }

    let port: UInt16
    let certificatePath: String
    private let directory: URL
    private let serverProcess: pid_t

    /// Generates the key pair, starts the server and waits (at most 5 s) until it accepts.
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("infergate-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        certificatePath = directory.appendingPathComponent("cert.pem").path
        let keyPath = directory.appendingPathComponent("key.pem").path
        let generator = try Self.spawn([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyPath, "-out", certificatePath,
        ])
        guard Self.waitForExit(generator) == 0 else {
            throw SocketError(operation: "openssl req", code: -1)
        }

        let probe = try Socket.makeListener(backlog: 1)
        port = try Socket.localPort(of: probe)
        _ = close(probe)
        serverProcess = try Self.spawn([
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificatePath, "-key", keyPath, "-www", "-quiet",
        ])
        try waitUntilAccepting()
    }

    /// Kills the server, reaps it and removes the key material.
    func stop() {
        _ = kill(serverProcess, SIGKILL)
        _ = Self.waitForExit(serverProcess)
        try? FileManager.default.removeItem(at: directory)
    }

    private func waitUntilAccepting() throws {
        for _ in 0..<100 {
            if let fd = try? Socket.connectLoopback(port: port) {
                _ = close(fd)
                return
            }
            usleep(50_000)
        }
        stop()
        throw SocketError(operation: "openssl s_server start", code: ETIMEDOUT)
    }

    /// Starts openssl with stdin, stdout and stderr on /dev/null (a terminal on stdin would
    /// stop s_server with SIGTTIN).
    private static func spawn(_ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([opensslPath] + arguments).map { strdup($0) } + [nil]
        defer {
            for argument in argv {
                free(argument)
            }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, opensslPath, &actions, nil, argv, environ)
        guard result == 0 else {
            throw SocketError(operation: "posix_spawn", code: result)
        }
        return pid
    }

    private static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return status
    }
}
