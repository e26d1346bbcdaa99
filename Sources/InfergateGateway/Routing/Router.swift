/// Maps a request path to a configured route and builds the upstream URL.
///
/// A route matches its `path` as a prefix on a segment boundary; the remainder and the raw
/// query are appended to the route's `upstream`. The upstream host only ever comes from the
/// configuration: targets that try to climb out of a route (dot segments, encoded slashes or
/// dots, backslashes) are refused before matching.
public struct Router: Sendable {
    /// What the router decided for one request path.
    public enum Decision: Sendable, Equatable {
        case matched(routeIndex: Int, upstreamURL: String)
        case notFound
        case invalidPath(reason: String)
    }

    private struct Entry: Sendable {
        var pathPrefix: String
        var upstream: String
        var index: Int
    }

    private let entries: [Entry]

    /// Builds the matcher; longer prefixes are tried first so the most specific route wins.
    public init(routes: [RouteSettings]) {
        var entries: [Entry] = []
        for (index, route) in routes.enumerated() {
            var upstream = route.upstream
            while upstream.hasSuffix("/") {
                upstream.removeLast()
            }
            entries.append(Entry(pathPrefix: route.normalizedPath, upstream: upstream, index: index))
        }
        self.entries = entries.sorted { $0.pathPrefix.utf8.count > $1.pathPrefix.utf8.count }
    }

    /// Routes `path` (raw, before `?`) with the raw `query`.
    public func route(path: String, query: String?) -> Decision {
        if let reason = Router.unsafePathReason(path) {
            return .invalidPath(reason: reason)
        }
        for entry in entries {
            guard let remainder = Router.remainder(of: path, after: entry.pathPrefix) else {
                continue
            }
            var url = entry.upstream + remainder
            if let query {
                url += "?" + query
            }
            return .matched(routeIndex: entry.index, upstreamURL: url)
        }
        return .notFound
    }

    static func remainder(of path: String, after prefix: String) -> Substring? {
        if prefix == "/" {
            return path.dropFirst()
        }
        guard path.hasPrefix(prefix) else {
            return nil
        }
        let rest = path.dropFirst(prefix.count)
        guard rest.isEmpty || rest.hasPrefix("/") else {
            return nil
        }
        return rest
    }

    /// Why `path` may not be forwarded, or nil when it is safe.
    static func unsafePathReason(_ path: String) -> String? {
        guard path.hasPrefix("/") else {
            return "request target must be a path"
        }
        for byte in path.utf8 where byte < 0x21 || byte == 0x7F || byte == UInt8(ascii: "\\") {
            return "request path holds a forbidden character"
        }
        // Byte scans rather than split and Array: this runs on every request.
        var segmentLength = 0
        var isAllDots = true
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                if segmentLength > 0 && segmentLength <= 2 && isAllDots {
                    return "request path holds a dot segment"
                }
                (segmentLength, isAllDots) = (0, true)
            } else {
                segmentLength += 1
                isAllDots = isAllDots && byte == UInt8(ascii: ".")
            }
        }
        if segmentLength > 0 && segmentLength <= 2 && isAllDots {
            return "request path holds a dot segment"
        }
        // Percent-encoded dot, slash, backslash or NUL: %2e %2f %5c %00, any case.
        var window: (UInt8, UInt8) = (0, 0)
        for byte in path.utf8 {
            if window.0 == UInt8(ascii: "%") {
                let pair = (window.1, byte | 0x20)
                if pair == (UInt8(ascii: "2"), UInt8(ascii: "e")) || pair == (UInt8(ascii: "2"), UInt8(ascii: "f"))
                    || pair == (UInt8(ascii: "5"), UInt8(ascii: "c")) || pair == (UInt8(ascii: "0"), UInt8(ascii: "0"))
                {
                    return "request path holds an encoded dot, slash or NUL"
                }
            }
            window = (window.1, byte)
        }
        return nil
    }
}
