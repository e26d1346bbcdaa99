import Foundation
import Glibc
import Synchronization

/// A structured logger that writes one logfmt line per event to standard error.
///
/// Messages are constant lowercase strings; variable data goes in metadata. A logger is a
/// value: `with(_:)` returns a copy stamped with extra metadata (the request id, say).
/// Writes from all threads go through one process-wide lock so lines never interleave.
public struct Logger: Sendable {
    /// Severity, ordered from the most verbose.
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        case debug, info, warning, error

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }

        public init?(name: String) {
            switch name.lowercased() {
            case "debug": self = .debug
            case "info": self = .info
            case "warning", "warn": self = .warning
            case "error": self = .error
            default: return nil
            }
        }
    }

    public typealias Metadata = [String: String]

    public let label: String
    public var minimumLevel: Level
    public private(set) var metadata: Metadata

    public init(label: String, minimumLevel: Level = Logger.defaultLevel, metadata: Metadata = [:]) {
        self.label = label
        self.minimumLevel = minimumLevel
        self.metadata = metadata
    }

    /// The level new loggers start with: `INFERGATE_LOG_LEVEL` when set, else `info`.
    public static var defaultLevel: Level {
        ProcessInfo.processInfo.environment["INFERGATE_LOG_LEVEL"].flatMap(Level.init(name:)) ?? .info
    }

    /// A copy of this logger whose lines also carry `extra`.
    public func with(_ extra: Metadata) -> Logger {
        var copy = self
        copy.metadata.merge(extra) { _, new in new }
        return copy
    }

    public func debug(_ message: StaticString, _ extra: Metadata = [:]) { log(.debug, message, extra) }
    public func info(_ message: StaticString, _ extra: Metadata = [:]) { log(.info, message, extra) }
    public func warning(_ message: StaticString, _ extra: Metadata = [:]) { log(.warning, message, extra) }
    public func error(_ message: StaticString, _ extra: Metadata = [:]) { log(.error, message, extra) }

    public func log(_ level: Level, _ message: StaticString, _ extra: Metadata = [:]) {
        guard level >= minimumLevel else {
            return
        }
        var line = "ts=\(Logger.timestamp()) level=\(level) logger=\(label) msg=\(Logger.quoted("\(message)"))"
        let merged = metadata.merging(extra) { _, new in new }
        for key in merged.keys.sorted() {
            line += " \(key)=\(Logger.quoted(merged[key] ?? ""))"
        }
        line += "\n"
        LogSink.shared.write(line)
    }

    static func quoted(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
        guard needsQuotes else {
            return value
        }
        var escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
        escaped = escaped.replacingOccurrences(of: "\"", with: "\\\"")
        escaped = escaped.replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = time_t(now.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let micros = Int(now.tv_nsec) / 1000
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
            parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, micros
        )
    }
}

/// The process-wide destination of log lines; the mutex keeps lines whole.
final class LogSink: Sendable {
    static let shared = LogSink()

    private let lock = Mutex(())

    func write(_ line: String) {
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 {
                        return
                    }
                    offset += written
                }
            }
        }
    }
}
