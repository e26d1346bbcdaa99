import Foundation
import InfergateCore

/// The text forms of a stored row the `audit` subcommands print: one-line, full, JSONL and CSV.
enum AuditRowFormat {
    /// One line for `tail` and `query`: time, seq, request id, caller, request, outcome, latency.
    static func line(_ row: AuditStoredRow) -> String {
        let millis = Double(row.totalLatencyMicros) / 1000
        var text = "\(AuditTime.iso(row.receivedAtMicros)) seq=\(row.seq) id=\(row.requestID)"
        text += " caller=\(row.caller ?? "-") \(row.method) \(row.path) route=\(row.route ?? "-")"
        text += " status=\(row.status) served_by=\(row.servedBy)"
        text += " total_ms=\(String(format: "%.3f", millis)) error=\(row.errorCode ?? "-")"
        return text
    }

    /// Every column, one per line, bodies as UTF-8 text when they decode, otherwise base64.
    static func detail(_ row: AuditStoredRow) -> String {
        var lines = [
            "seq: \(row.seq)",
            "request_id: \(row.requestID)",
            "received_at: \(AuditTime.iso(row.receivedAtMicros)) (\(row.receivedAtMicros) us)",
            "caller: \(row.caller ?? "-")",
            "source_address: \(row.sourceAddress)",
            "method: \(row.method)",
            "path: \(row.path)",
            "route: \(row.route ?? "-")",
            "upstream_url: \(row.upstreamURL ?? "-")",
            "status: \(row.status)",
            "served_by: \(row.servedBy)",
            "total_latency_us: \(row.totalLatencyMicros)",
            "upstream_latency_us: \(row.upstreamLatencyMicros.map(String.init) ?? "-")",
            "bytes_in: \(row.bytesIn)",
            "bytes_out: \(row.bytesOut)",
            "token_fingerprint: \(row.tokenFingerprint ?? "-")",
            "error_code: \(row.errorCode ?? "-")",
            "upstream_attempts: \(row.upstreamAttempts)",
            "fallback_reason: \(row.fallbackReason ?? "-")",
            "row_hash: \(row.rowHash)",
            "request_headers: \(row.requestHeadersJSON)",
            "response_headers: \(row.responseHeadersJSON)",
        ]
        lines += body("request_body", row.requestBody, size: row.requestBodySize, sha: row.requestBodySHA256)
        lines += body("response_body", row.responseBody, size: row.responseBodySize, sha: row.responseBodySHA256)
        return lines.joined(separator: "\n")
    }

    private static func body(_ name: String, _ bytes: [UInt8], size: Int64, sha: String) -> [String] {
        let (text, encoding) = bodyText(bytes)
        let truncated = Int64(bytes.count) < size ? ", truncated" : ""
        return [
            "\(name): \(size) bytes, \(bytes.count) stored\(truncated), \(encoding), sha256 \(sha)",
            text,
        ]
    }

    /// The body as text plus its encoding name: `utf8` when valid UTF-8, else `base64`.
    static func bodyText(_ bytes: [UInt8]) -> (String, String) {
        if let text = String(validating: bytes, as: UTF8.self) {
            return (text, "utf8")
        }
        return (Data(bytes).base64EncodedString(), "base64")
    }

    /// One JSON object per row with every column; headers embedded as JSON arrays.
    static func jsonLine(_ row: AuditStoredRow) -> String {
        func string(_ value: String?) -> String { value.map(JSONText.quote) ?? "null" }
        func number(_ value: Int64?) -> String { value.map(String.init) ?? "null" }
        let (requestBody, requestEncoding) = bodyText(row.requestBody)
        let (responseBody, responseEncoding) = bodyText(row.responseBody)
        let fields: [(String, String)] = [
            ("seq", number(row.seq)), ("request_id", string(row.requestID)),
            ("received_at_us", number(row.receivedAtMicros)),
            ("received_at", string(AuditTime.iso(row.receivedAtMicros))),
            ("caller", string(row.caller)), ("source_address", string(row.sourceAddress)),
            ("method", string(row.method)), ("path", string(row.path)), ("route", string(row.route)),
            ("upstream_url", string(row.upstreamURL)), ("request_headers", row.requestHeadersJSON),
            ("response_headers", row.responseHeadersJSON), ("request_body", string(requestBody)),
            ("request_body_encoding", string(requestEncoding)), ("request_body_size", number(row.requestBodySize)),
            ("request_body_sha256", string(row.requestBodySHA256)), ("response_body", string(responseBody)),
            ("response_body_encoding", string(responseEncoding)),
            ("response_body_size", number(row.responseBodySize)),
            ("response_body_sha256", string(row.responseBodySHA256)), ("status", number(row.status)),
            ("served_by", string(row.servedBy)), ("total_latency_us", number(row.totalLatencyMicros)),
            ("upstream_latency_us", number(row.upstreamLatencyMicros)), ("bytes_in", number(row.bytesIn)),
            ("bytes_out", number(row.bytesOut)), ("token_fingerprint", string(row.tokenFingerprint)),
            ("error_code", string(row.errorCode)), ("upstream_attempts", number(row.upstreamAttempts)),
            ("fallback_reason", string(row.fallbackReason)), ("row_hash", string(row.rowHash)),
        ]
        return "{" + fields.map { "\(JSONText.quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// The CSV columns: everything but the bodies, whose size and hash are included.
    static let csvHeader = [
        "seq", "received_at", "request_id", "caller", "source_address", "method", "path", "route",
        "upstream_url", "status", "served_by", "total_latency_us", "upstream_latency_us", "bytes_in",
        "bytes_out", "token_fingerprint", "error_code", "upstream_attempts", "fallback_reason",
        "request_headers", "response_headers", "request_body_size", "request_body_sha256",
        "response_body_size", "response_body_sha256", "row_hash",
    ].joined(separator: ",")

    /// One RFC 4180 CSV record in `csvHeader` order.
    static func csvLine(_ row: AuditStoredRow) -> String {
        let values: [String] = [
            String(row.seq), AuditTime.iso(row.receivedAtMicros), row.requestID, row.caller ?? "",
            row.sourceAddress, row.method, row.path, row.route ?? "", row.upstreamURL ?? "",
            String(row.status), row.servedBy, String(row.totalLatencyMicros),
            row.upstreamLatencyMicros.map(String.init) ?? "", String(row.bytesIn), String(row.bytesOut),
            row.tokenFingerprint ?? "", row.errorCode ?? "", String(row.upstreamAttempts),
            row.fallbackReason ?? "", row.requestHeadersJSON, row.responseHeadersJSON,
            String(row.requestBodySize), row.requestBodySHA256, String(row.responseBodySize),
            row.responseBodySHA256, row.rowHash,
        ]
        return values.map(csvField).joined(separator: ",")
    }

    private static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
