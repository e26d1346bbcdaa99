import Foundation
import InfergateCore
import Synchronization
import Testing

@testable import InfergateAudit

/// A fresh folder under the system temp dir, removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "infergate-audit-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var databasePath: String { path + "/var/audit.sqlite" }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A clock whose wall time the test sets.
final class ManualTimeSource: TimeSource, Sendable {
    private let now: Mutex<Int64>

    init(wallMicroseconds: Int64) {
        now = Mutex(wallMicroseconds)
    }

    var monotonicNanoseconds: UInt64 { UInt64(now.withLock { $0 }) * 1000 }
    var wallMicroseconds: Int64 { now.withLock { $0 } }

    func set(_ micros: Int64) {
        now.withLock { $0 = micros }
    }
}

/// Collects what `AuditCommand` prints.
final class CapturedOutput: Sendable {
    private let out = Mutex("")
    private let err = Mutex("")

    var output: AuditOutput {
        AuditOutput(
            write: { text in self.out.withLock { $0 += text } },
            writeError: { text in self.err.withLock { $0 += text } }
        )
    }

    var standardOutput: String { out.withLock { $0 } }
    var standardError: String { err.withLock { $0 } }
}

enum AuditFixtures {
    static let quietLogger = Logger(label: "audit-test", minimumLevel: .error)

    static func configuration(_ folder: TemporaryFolder) -> AuditConfiguration {
        var configuration = AuditConfiguration(path: folder.databasePath)
        configuration.retentionDays = nil
        return configuration
    }

    /// A complete record; `index` makes the request id and body unique.
    static func record(_ index: Int, receivedAtMicros: Int64 = 1_780_000_000_000_000) -> AuditRecord {
        AuditRecord(
            requestID: "req-\(index)",
            receivedAtMicros: receivedAtMicros,
            caller: "billing-app",
            sourceAddress: "127.0.0.1:50000",
            method: "POST",
            path: "/v1/pipelines/aloha/infer?debug=1",
            route: "aloha",
            upstreamURL: "https://wallaroo.example/v1/api/pipelines/infer/aloha",
            requestHeaders: ["Content-Type": "application/json", "Authorization": "Bearer abc"],
            responseHeaders: ["Content-Type": "application/json"],
            requestBody: Array("{\"tensor\":[\(index)]}".utf8),
            responseBody: Array("{\"out\":[\(index)]}".utf8),
            status: 200,
            servedBy: .upstream,
            totalLatencyMicros: 1_500,
            upstreamLatencyMicros: 1_200,
            bytesIn: 20,
            bytesOut: 17,
            tokenFingerprint: "sha256:0011223344556677"
        )
    }

    /// Opens `path` read-only through a second connection, as an operator would.
    static func reader(_ path: String) throws -> SQLiteConnection {
        try SQLiteConnection(path: path, readOnly: true)
    }

    static func rowCount(_ path: String) throws -> Int64 {
        try reader(path).scalar("SELECT count(*) FROM audit_rows") ?? -1
    }

    /// Polls `condition` every 20 ms for at most `seconds`; returns whether it became true.
    static func eventually(within seconds: Double = 5, _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        for _ in 0..<Int(seconds * 50) + 1 {
            if try condition() {
                return true
            }
            guard Date() < deadline else {
                break
            }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return try condition()
    }
}
