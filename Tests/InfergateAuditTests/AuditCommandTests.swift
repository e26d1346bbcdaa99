import Foundation
import InfergateCore
import Testing

@testable import InfergateAudit

@Suite struct AuditCommandTests {
    static let now: Int64 = 1_780_000_000_000_000

    /// A database with 6 rows a minute apart; rows 4-6 are 502s from the `embed` route.
    private func populated() async throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        let log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        for index in 1...6 {
            var record = AuditFixtures.record(index, receivedAtMicros: Self.now - Int64(7 - index) * 60_000_000)
            if index > 3 {
                record.route = "embed"
                record.status = 502
                record.caller = "search-app"
                record.errorCode = "upstream_timeout"
            }
            if index == 6 {
                record.responseBody = [0xff, 0xfe, 0x00]
            }
            try await log.record(record)
        }
        await log.close()
        return folder
    }

    private func run(_ arguments: [String]) -> (Int32, String, String) {
        let captured = CapturedOutput()
        let status = AuditCommand.run(arguments: arguments, output: captured.output, nowMicros: Self.now)
        return (status, captured.standardOutput, captured.standardError)
    }

    @Test func tailPrintsTheNewestRowsOldestFirst() async throws {
        let folder = try await populated()
        defer { folder.remove() }
        let (status, output, _) = run(["tail", "--db", folder.databasePath, "-n", "2"])
        #expect(status == 0)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("id=req-5") == true)
        #expect(lines.last?.contains("id=req-6") == true)
    }

    @Test func showPrintsEveryColumnAndEncodesBinaryBodies() async throws {
        let folder = try await populated()
        defer { folder.remove() }
        let (status, output, _) = run(["show", "req-6", "--db", folder.databasePath])
        #expect(status == 0)
        #expect(output.contains("request_id: req-6"))
        #expect(output.contains("error_code: upstream_timeout"))
        #expect(output.contains(#"["Authorization","***"]"#))
        #expect(output.contains("request_body: 14 bytes, 14 stored, utf8"))
        #expect(output.contains("\n{\"tensor\":[6]}\n"))
        #expect(output.contains("response_body: 3 bytes, 3 stored, base64"))
        #expect(output.contains("\n//4A"))
        #expect(run(["show", "missing", "--db", folder.databasePath]).0 == 1)
    }

    @Test func queryFiltersByRouteStatusCallerAndTime() async throws {
        let folder = try await populated()
        defer { folder.remove() }
        let path = folder.databasePath
        #expect(run(["query", "--db", path, "--route", "embed"]).1.split(separator: "\n").count == 3)
        #expect(run(["query", "--db", path, "--status", "5xx"]).1.split(separator: "\n").count == 3)
        #expect(run(["query", "--db", path, "--status", "200"]).1.split(separator: "\n").count == 3)
        #expect(run(["query", "--db", path, "--caller", "billing-app"]).1.split(separator: "\n").count == 3)
        #expect(run(["query", "--db", path, "--since", "150s"]).1.split(separator: "\n").count == 2)
        let until = AuditTime.iso(Self.now - 4 * 60_000_000)
        #expect(run(["query", "--db", path, "--until", until]).1.split(separator: "\n").count == 2)
        let limited = run(["query", "--db", path, "--limit", "1"]).1
        #expect(limited.split(separator: "\n").count == 1)
        #expect(limited.contains("id=req-6"))
        #expect(run(["query", "--db", path, "--since", "yesterday"]).0 == 2)
    }

    @Test func exportWritesJSONLinesAndCSV() async throws {
        let folder = try await populated()
        defer { folder.remove() }
        let path = folder.databasePath
        let (jsonStatus, json, _) = run(["export", "--format", "jsonl", "--db", path, "--route", "embed"])
        #expect(jsonStatus == 0)
        let lines = json.split(separator: "\n")
        #expect(lines.count == 3)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["route"] as? String == "embed")
        }
        let (csvStatus, csv, _) = run(["export", "--format", "csv", "--db", folder.databasePath])
        #expect(csvStatus == 0)
        let rows = csv.split(separator: "\n")
        #expect(rows.count == 7)
        #expect(rows.first == Substring(AuditRowFormat.csvHeader))
        #expect(rows[1].hasPrefix("1,"))
        #expect(run(["export", "--format", "xml", "--db", folder.databasePath]).0 == 2)
    }

    @Test func verifyExitsZeroWhenIntactAndOneNamingTheBrokenRow() async throws {
        let folder = try await populated()
        defer { folder.remove() }
        let (okStatus, okOutput, _) = run(["verify", "--db", folder.databasePath])
        #expect(okStatus == 0)
        #expect(okOutput.contains("ok: 6 rows"))
        let tamper = try SQLiteConnection(path: folder.databasePath, readOnly: false)
        try tamper.execute("UPDATE audit_rows SET status = 200 WHERE seq = 5")
        let (badStatus, badOutput, _) = run(["verify", "--db", folder.databasePath])
        #expect(badStatus == 1)
        #expect(badOutput.contains("seq=5 request_id=req-5"))
    }

    @Test func tailFollowPrintsRowsCommittedLater() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try AuditLog(configuration: AuditFixtures.configuration(folder), logger: AuditFixtures.quietLogger)
        try await log.record(AuditFixtures.record(1))
        var options = try AuditOptions(arguments: ["--db", folder.databasePath, "--follow"], nowMicros: Self.now)
        options.followIntervalMicroseconds = 50_000
        options.followPollLimit = 20
        let captured = CapturedOutput()
        let follower = Task.detached { [options] in
            try AuditCommand.tail(options, output: captured.output)
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        try await log.record(AuditFixtures.record(2))
        await log.close()
        #expect(try await follower.value == 0)
        let lines = captured.standardOutput.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.last?.contains("id=req-2") == true)
    }

    @Test func helpAndUsageErrors() {
        for subcommand in ["tail", "show", "query", "export", "verify"] {
            let (status, output, _) = run([subcommand, "--help"])
            #expect(status == 0)
            #expect(output.hasPrefix("audit \(subcommand)"))
        }
        #expect(run([]).0 == 2)
        #expect(run(["frobnicate"]).0 == 2)
        #expect(run(["tail", "--bogus"]).0 == 2)
        #expect(run(["verify", "--db", "/nonexistent/audit.sqlite"]).0 == 2)
    }

    @Test func timesParseAsISOAndAges() {
        #expect(AuditTime.parse("2026-12-03T13:00:00Z", nowMicros: 0) == 1_796_302_800_000_000)
        #expect(AuditTime.parse("2026-12-03T13:00:00.5Z", nowMicros: 0) == 1_796_302_800_500_000)
        #expect(AuditTime.parse("2026-12-03", nowMicros: 0) == 1_796_256_000_000_000)
        #expect(AuditTime.parse("15m", nowMicros: 1_000_000_000) == 100_000_000)
        #expect(AuditTime.parse("2h", nowMicros: 7_200_000_000) == 0)
        #expect(AuditTime.parse("soon", nowMicros: 0) == nil)
        #expect(AuditTime.iso(1_796_302_800_500_000) == "2026-12-03T13:00:00.500000Z")
    }
}
