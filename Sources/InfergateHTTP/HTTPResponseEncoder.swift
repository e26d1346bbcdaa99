import Glibc
import InfergateCore
import Synchronization

/// Serialises response heads; the body is written as a separate chunk so it is never copied.
enum HTTPResponseEncoder {
    /// The status line and fields of `response`, adding `Content-Length`, `Date` and `Connection`.
    static func head(
        of response: HTTPResponse,
        version: HTTPVersion,
        isKeepAlive: Bool
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + response.headers.count * 40)
        out.append(contentsOf: "HTTP/1.1 \(response.status) \(reasonPhrase(response.status))\r\n".utf8)
        var hasLength = false
        var hasDate = false
        for field in response.headers.fields {
            if field.name.equalsIgnoringASCIICase("Connection") {
                continue
            }
            hasLength = hasLength || field.name.equalsIgnoringASCIICase("Content-Length")
            hasDate = hasDate || field.name.equalsIgnoringASCIICase("Date")
            append(field.name, field.value, to: &out)
        }
        let bodyless = response.status == 204 || response.status == 304 || response.status < 200
        if !hasLength && !bodyless {
            append("Content-Length", String(response.body.count), to: &out)
        }
        if !hasDate {
            out.append(contentsOf: "Date: ".utf8)
            out.append(contentsOf: DateCache.shared.current())
            out.append(contentsOf: "\r\n".utf8)
        }
        if !isKeepAlive {
            append("Connection", "close", to: &out)
        } else if version == .http10 {
            append("Connection", "keep-alive", to: &out)
        }
        out.append(13)
        out.append(10)
        return out
    }

    private static func append(_ name: String, _ value: String, to out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        out.append(58)
        out.append(32)
        out.append(contentsOf: value.utf8)
        out.append(13)
        out.append(10)
    }

    /// The standard reason phrase, or a generic one; clients must not depend on it anyway.
    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: status < 400 ? "OK" : "Error"
        }
    }
}

/// The IMF-fixdate for `Date` headers, formatted at most once per second process-wide.
final class DateCache: Sendable {
    static let shared = DateCache()

    private let cached = Mutex<(second: Int, text: [UInt8])>((-1, []))

    func current() -> [UInt8] {
        let now = time(nil)
        return cached.withLock { entry in
            if entry.second != now {
                entry = (now, Array(Self.format(now).utf8))
            }
            return entry.text
        }
    }

    private static func format(_ seconds: Int) -> String {
        var value = time_t(seconds)
        var parts = tm()
        gmtime_r(&value, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
