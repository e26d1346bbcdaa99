import Glibc
import InfergateCore

/// `infergate audit <subcommand>`: read, query, export and verify the audit database.
///
/// Opens the file read-only, so it is safe while a gateway is writing (WAL readers see the last
/// committed state). Exit status: 0 success, 1 a failed `verify` or an unknown `show` id,
/// 2 bad usage or an unreadable database.
public enum AuditCommand {
    /// Runs the subcommand in `arguments` (the words after `audit`), printing to stdout/stderr.
    public static func run(arguments: [String]) -> Int32 {
        run(arguments: arguments, output: .standard)
    }

    /// Runs with an injectable destination for output, and a clock for relative times.
    static func run(arguments: [String], output: AuditOutput, nowMicros: Int64? = nil) -> Int32 {
        guard let subcommand = arguments.first else {
            output.write(usage)
            return 2
        }
        if subcommand == "--help" || subcommand == "-h" || subcommand == "help" {
            output.write(usage)
            return 0
        }
        let options: AuditOptions
        do throws(AuditError) {
            options = try AuditOptions(
                arguments: Array(arguments.dropFirst()),
                nowMicros: nowMicros ?? SystemTimeSource().wallMicroseconds
            )
        } catch {
            output.writeError("audit \(subcommand): \(error.message)\n")
            return 2
        }
        if options.wantsHelp {
            output.write(help(for: subcommand) ?? usage)
            return help(for: subcommand) == nil ? 2 : 0
        }
        do throws(AuditError) {
            switch subcommand {
            case "tail": return try tail(options, output: output)
            case "show": return try show(options, output: output)
            case "query": return try query(options, output: output)
            case "export": return try export(options, output: output)
            case "verify": return try verify(options, output: output)
            default:
                output.writeError("audit: unknown subcommand \(subcommand)\n" + usage)
                return 2
            }
        } catch {
            output.writeError("audit \(subcommand): \(error.description)\n")
            return 2
        }
    }

    /// Walks the hash chain: exit 0 when intact, 1 naming the first row that does not fit.
    static func verify(_ options: AuditOptions, output: AuditOutput) throws(AuditError) -> Int32 {
        let connection = try AuditSchema.openForReading(path: options.databasePath)
        switch try AuditVerifier(connection: connection).verify() {
        case .intact(let rows, let anchorSeq):
            let anchor = anchorSeq.map { ", starting after pruned seq \($0)" } ?? ""
            output.write("ok: \(rows) rows verified\(anchor)\n")
            return 0
        case .broken(let seq, let requestID, let reason):
            output.write("broken: first bad row seq=\(seq) request_id=\(requestID): \(reason)\n")
            return 1
        }
    }

    static let usage = """
        usage: infergate audit <subcommand> [options]
          tail    [--db PATH] [-n N] [--follow]   newest rows, oldest first; --follow keeps printing
          show    ID [--db PATH]                 one row in full (ID is a request id or a seq number)
          query   [--db PATH] [filters] [--limit N]
          export  --format jsonl|csv [--db PATH] [filters]
          verify  [--db PATH]                    check the hash chain; exit 1 naming the first bad row
        filters: --since T --until T --route R --caller C --status S --served-by X
          T is ISO-8601 UTC (2026-12-03T13:00:00Z) or an age (90s, 15m, 2h, 7d);
          S is a code (502) or a class (5xx). The default database is var/audit.sqlite.

        """

    /// The `--help` text of `subcommand`, or nil for an unknown one.
    static func help(for subcommand: String) -> String? {
        let text: String? =
            switch subcommand {
            case "tail":
                "audit tail [--db PATH] [-n N] [--follow]\n"
                    + "  the newest N rows (default 20); --follow polls every 500 ms"
            case "show": "audit show ID [--db PATH]\n  every column of one row; bodies as text when UTF-8, else base64"
            case "query":
                "audit query [--db PATH] [--since T] [--until T] [--route R] [--caller C] [--status S]\n"
                    + "            [--served-by upstream|gateway|local-model] [--limit N]\n"
                    + "  the newest N matching rows (default 100), printed oldest first"
            case "export":
                "audit export --format jsonl|csv [--db PATH] [filters]\n"
                    + "  every matching row, oldest first; csv leaves out the bodies (size and sha256 stay)"
            case "verify": "audit verify [--db PATH]\n  walks the hash chain from the anchor; exit 0 intact, 1 broken"
            default: nil
            }
        return text.map { $0 + "\n" }
    }
}

/// Where `AuditCommand` prints; tests capture it.
struct AuditOutput: Sendable {
    var write: @Sendable (String) -> Void
    var writeError: @Sendable (String) -> Void

    static let standard = AuditOutput(
        write: { text in writeAll(1, text) },
        writeError: { text in writeAll(2, text) }
    )

    /// Writes every byte of `text` to `descriptor`, retrying short writes and `EINTR`.
    private static func writeAll(_ descriptor: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR {
                    continue
                }
                guard written > 0 else {
                    return
                }
                offset += written
            }
        }
    }
}
