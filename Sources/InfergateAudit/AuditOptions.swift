/// The parsed options of an `audit` subcommand, with filters turned into SQL.
struct AuditOptions {
    var databasePath = "var/audit.sqlite"
    var positional: [String] = []
    var count: Int?
    var limit: Int?
    var isFollowing = false
    var wantsHelp = false
    var format: String?
    var sinceMicros: Int64?
    var untilMicros: Int64?
    var route: String?
    var caller: String?
    var status: ClosedRange<Int64>?
    var servedBy: String?
    /// How long `tail --follow` sleeps between polls; tests shorten it.
    var followIntervalMicroseconds: UInt32 = 500_000
    /// Polls after which `tail --follow` returns; nil (the CLI) follows until killed.
    var followPollLimit: Int?

    /// Parses `arguments`; relative times count back from `nowMicros`. Throws on bad usage.
    init(arguments: [String], nowMicros: Int64) throws(AuditError) {
        var remaining = arguments[...]
        while let word = remaining.popFirst() {
            func value() throws(AuditError) -> String {
                guard let next = remaining.popFirst() else {
                    throw usageError("\(word) needs a value")
                }
                return next
            }
            switch word {
            case "--help", "-h": wantsHelp = true
            case "--follow", "-f": isFollowing = true
            case "--db": databasePath = try value()
            case "-n": count = try Self.positiveInt(try value(), word)
            case "--limit": limit = try Self.positiveInt(try value(), word)
            case "--format": format = try value()
            case "--route": route = try value()
            case "--caller": caller = try value()
            case "--served-by": servedBy = try value()
            case "--since": sinceMicros = try Self.time(try value(), word, nowMicros)
            case "--until": untilMicros = try Self.time(try value(), word, nowMicros)
            case "--status": status = try Self.statusRange(try value())
            default:
                guard !word.hasPrefix("-") else {
                    throw usageError("unknown option \(word)")
                }
                positional.append(word)
            }
        }
    }

    /// The WHERE clause (empty or starting with " WHERE") and its bound values.
    var filterSQL: (String, [SQLiteValue]) {
        var clauses: [String] = []
        var values: [SQLiteValue] = []
        if let sinceMicros {
            clauses.append("received_at >= ?")
            values.append(.integer(sinceMicros))
        }
        if let untilMicros {
            clauses.append("received_at < ?")
            values.append(.integer(untilMicros))
        }
        for (column, value) in [("route", route), ("caller", caller), ("served_by", servedBy)] {
            if let value {
                clauses.append("\(column) = ?")
                values.append(.text(value))
            }
        }
        if let status {
            clauses.append("status BETWEEN ? AND ?")
            values += [.integer(status.lowerBound), .integer(status.upperBound)]
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), values)
    }

    private static func positiveInt(_ text: String, _ option: String) throws(AuditError) -> Int {
        guard let number = Int(text), number > 0 else {
            throw usageError("\(option) needs a positive integer")
        }
        return number
    }

    private static func time(_ text: String, _ option: String, _ nowMicros: Int64) throws(AuditError) -> Int64 {
        guard let micros = AuditTime.parse(text, nowMicros: nowMicros) else {
            throw usageError("\(option) needs an ISO-8601 UTC time or an age like 15m")
        }
        return micros
    }

    private static func statusRange(_ text: String) throws(AuditError) -> ClosedRange<Int64> {
        if text.count == 3, text.lowercased().hasSuffix("xx"), let digit = Int64(text.prefix(1)) {
            return (digit * 100)...(digit * 100 + 99)
        }
        guard let code = Int64(text) else {
            throw usageError("--status needs a code like 502 or a class like 5xx")
        }
        return code...code
    }
}

private func usageError(_ message: String) -> AuditError {
    AuditError(code: "audit_usage", message: message)
}
