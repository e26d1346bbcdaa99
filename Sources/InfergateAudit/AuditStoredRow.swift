import InfergateCore

/// One audit row exactly as stored: credentials redacted, bodies capped, hashes computed.
///
/// The writer builds it from an `AuditRecord` (on the caller's task, off the writer queue),
/// the CLI and `verify` read it back; `chainHash(previous:)` is defined on these stored
/// values so verification can recompute it from the table alone.
struct AuditStoredRow: Sendable {
    var seq: Int64 = 0
    var requestID: String
    var receivedAtMicros: Int64
    var caller: String?
    var sourceAddress: String
    var method: String
    var path: String
    var route: String?
    var upstreamURL: String?
    var requestHeadersJSON: String
    var responseHeadersJSON: String
    var requestBody: [UInt8]
    var requestBodySize: Int64
    var requestBodySHA256: String
    var responseBody: [UInt8]
    var responseBodySize: Int64
    var responseBodySHA256: String
    var status: Int64
    var servedBy: String
    var totalLatencyMicros: Int64
    var upstreamLatencyMicros: Int64?
    var bytesIn: Int64
    var bytesOut: Int64
    var tokenFingerprint: String?
    var errorCode: String?
    var upstreamAttempts: Int64
    var fallbackReason: String?
    var rowHash: String = ""

    /// The stored form of `record`: headers and query redacted, bodies cut to `maxBodyBytes`.
    init(record: AuditRecord, redactor: AuditRedactor, maxBodyBytes: Int) {
        let cap = max(0, maxBodyBytes)
        requestID = record.requestID
        receivedAtMicros = record.receivedAtMicros
        caller = record.caller
        sourceAddress = record.sourceAddress
        method = record.method
        path = redactor.redactQuery(record.path)
        route = record.route
        upstreamURL = record.upstreamURL.map(redactor.redactQuery)
        requestHeadersJSON = redactor.headersJSON(record.requestHeaders)
        responseHeadersJSON = redactor.headersJSON(record.responseHeaders)
        requestBody = Self.capped(record.requestBody, to: cap)
        requestBodySize = Int64(record.requestBody.count)
        requestBodySHA256 = SHA256.hexDigest(record.requestBody)
        responseBody = Self.capped(record.responseBody, to: cap)
        responseBodySize = Int64(record.responseBody.count)
        responseBodySHA256 = SHA256.hexDigest(record.responseBody)
        status = Int64(record.status)
        servedBy = record.servedBy.rawValue
        totalLatencyMicros = record.totalLatencyMicros
        upstreamLatencyMicros = record.upstreamLatencyMicros
        bytesIn = Int64(record.bytesIn)
        bytesOut = Int64(record.bytesOut)
        tokenFingerprint = record.tokenFingerprint
        errorCode = record.errorCode
        upstreamAttempts = Int64(record.upstreamAttempts)
        fallbackReason = record.fallbackReason
    }

    /// `body` cut to `cap` bytes; a body within the cap shares its storage instead of being copied.
    private static func capped(_ body: [UInt8], to cap: Int) -> [UInt8] {
        body.count <= cap ? body : Array(body.prefix(cap))
    }

    /// Column names in table order after `seq`, ending before `row_hash`.
    static let contentColumns = [
        "request_id", "received_at", "caller", "source_address", "method", "path", "route",
        "upstream_url", "request_headers", "response_headers", "request_body", "request_body_size",
        "request_body_sha256", "response_body", "response_body_size", "response_body_sha256",
        "status", "served_by", "total_latency_us", "upstream_latency_us", "bytes_in", "bytes_out",
        "token_fingerprint", "error_code", "upstream_attempts", "fallback_reason",
    ]

    /// `seq`, the content columns and `row_hash`, comma-separated, for SELECTs that `init(statement:)` reads.
    static let selectList = (["seq"] + contentColumns + ["row_hash"]).joined(separator: ", ")

    /// The INSERT the writer prepares once.
    static let insertSQL: String = {
        let columns = ["seq"] + contentColumns + ["row_hash"]
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return "INSERT INTO audit_rows (\(columns.joined(separator: ", "))) VALUES (\(marks))"
    }()

    /// The content values in `contentColumns` order.
    var contentValues: [SQLiteValue] {
        [
            .text(requestID), .integer(receivedAtMicros), .optional(caller), .text(sourceAddress),
            .text(method), .text(path), .optional(route), .optional(upstreamURL),
            .text(requestHeadersJSON), .text(responseHeadersJSON), .blob(requestBody),
            .integer(requestBodySize), .text(requestBodySHA256), .blob(responseBody),
            .integer(responseBodySize), .text(responseBodySHA256), .integer(status), .text(servedBy),
            .integer(totalLatencyMicros), upstreamLatencyMicros.map { .integer($0) } ?? .null,
            .integer(bytesIn), .integer(bytesOut), .optional(tokenFingerprint), .optional(errorCode),
            .integer(upstreamAttempts), .optional(fallbackReason),
        ]
    }

    /// Values for `insertSQL`.
    var insertValues: [SQLiteValue] {
        [.integer(seq)] + contentValues + [.text(rowHash)]
    }

    /// Reads a row selected with `selectList`.
    init(statement: SQLiteStatement) {
        seq = statement.int64(0)
        requestID = statement.text(1)
        receivedAtMicros = statement.int64(2)
        caller = statement.optionalText(3)
        sourceAddress = statement.text(4)
        method = statement.text(5)
        path = statement.text(6)
        route = statement.optionalText(7)
        upstreamURL = statement.optionalText(8)
        requestHeadersJSON = statement.text(9)
        responseHeadersJSON = statement.text(10)
        requestBody = statement.blob(11)
        requestBodySize = statement.int64(12)
        requestBodySHA256 = statement.text(13)
        responseBody = statement.blob(14)
        responseBodySize = statement.int64(15)
        responseBodySHA256 = statement.text(16)
        status = statement.int64(17)
        servedBy = statement.text(18)
        totalLatencyMicros = statement.int64(19)
        upstreamLatencyMicros = statement.optionalInt64(20)
        bytesIn = statement.int64(21)
        bytesOut = statement.int64(22)
        tokenFingerprint = statement.optionalText(23)
        errorCode = statement.optionalText(24)
        upstreamAttempts = statement.int64(25)
        fallbackReason = statement.optionalText(26)
        rowHash = statement.text(27)
    }
}
