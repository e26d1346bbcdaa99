import Glibc

/// The reading subcommands: `tail`, `show`, `query` and `export`.
extension AuditCommand {
    /// Prints the newest `-n` rows oldest first; with `--follow`, polls for new rows until killed.
    static func tail(_ options: AuditOptions, output: AuditOutput) throws(AuditError) -> Int32 {
        let connection = try AuditSchema.openForReading(path: options.databasePath)
        let newest = try connection.prepare(
            "SELECT * FROM (SELECT \(AuditStoredRow.selectList) FROM audit_rows ORDER BY seq DESC LIMIT ?) ORDER BY seq"
        )
        try newest.bind([.integer(Int64(options.count ?? 20))])
        var lastSeq: Int64 = 0
        while try newest.step() {
            let row = AuditStoredRow(statement: newest)
            lastSeq = row.seq
            output.write(AuditRowFormat.line(row) + "\n")
        }
        guard options.isFollowing else {
            return 0
        }
        let newer = try connection.prepare(
            "SELECT \(AuditStoredRow.selectList) FROM audit_rows WHERE seq > ? ORDER BY seq LIMIT 1000"
        )
        // Runs until interrupted (or `followPollLimit`); short polls keep the reader from pinning the WAL.
        var polls = 0
        while options.followPollLimit.map({ polls < $0 }) ?? true {
            usleep(options.followIntervalMicroseconds)
            try newer.bind([.integer(lastSeq)])
            while try newer.step() {
                let row = AuditStoredRow(statement: newer)
                lastSeq = row.seq
                output.write(AuditRowFormat.line(row) + "\n")
            }
            newer.reset()
            polls += 1
        }
        return 0
    }

    /// Prints every column of the rows whose request id (or seq) is the positional argument.
    static func show(_ options: AuditOptions, output: AuditOutput) throws(AuditError) -> Int32 {
        guard let id = options.positional.first else {
            output.writeError("audit show: needs a request id or seq\n")
            return 2
        }
        let connection = try AuditSchema.openForReading(path: options.databasePath)
        let byID = try connection.prepare(
            "SELECT \(AuditStoredRow.selectList) FROM audit_rows WHERE request_id = ? OR seq = ? ORDER BY seq"
        )
        try byID.bind([.text(id), Int64(id).map { .integer($0) } ?? .null])
        var found = false
        while try byID.step() {
            output.write((found ? "\n" : "") + AuditRowFormat.detail(AuditStoredRow(statement: byID)) + "\n")
            found = true
        }
        guard found else {
            output.writeError("audit show: no row with id \(id)\n")
            return 1
        }
        return 0
    }

    /// Prints the newest `--limit` rows matching the filters, oldest first.
    static func query(_ options: AuditOptions, output: AuditOutput) throws(AuditError) -> Int32 {
        let connection = try AuditSchema.openForReading(path: options.databasePath)
        let (filter, values) = options.filterSQL
        let matching = try connection.prepare(
            "SELECT * FROM (SELECT \(AuditStoredRow.selectList) FROM audit_rows\(filter) "
                + "ORDER BY received_at DESC, seq DESC LIMIT ?) ORDER BY received_at, seq"
        )
        try matching.bind(values + [.integer(Int64(options.limit ?? 100))])
        while try matching.step() {
            output.write(AuditRowFormat.line(AuditStoredRow(statement: matching)) + "\n")
        }
        return 0
    }

    /// Writes every matching row as JSON lines or CSV, oldest first, streaming from SQLite.
    static func export(_ options: AuditOptions, output: AuditOutput) throws(AuditError) -> Int32 {
        guard let format = options.format, format == "jsonl" || format == "csv" else {
            output.writeError("audit export: --format must be jsonl or csv\n")
            return 2
        }
        let connection = try AuditSchema.openForReading(path: options.databasePath)
        let (filter, values) = options.filterSQL
        let limit = options.limit.map { " LIMIT \($0)" } ?? ""
        let matching = try connection.prepare(
            "SELECT \(AuditStoredRow.selectList) FROM audit_rows\(filter) ORDER BY received_at, seq\(limit)"
        )
        try matching.bind(values)
        if format == "csv" {
            output.write(AuditRowFormat.csvHeader + "\n")
        }
        while try matching.step() {
            let row = AuditStoredRow(statement: matching)
            output.write((format == "csv" ? AuditRowFormat.csvLine(row) : AuditRowFormat.jsonLine(row)) + "\n")
        }
        return 0
    }
}
