import Foundation
import Glibc

extension LoopbackServer {
    /// Answers one request by its target's first path segment; false ends the connection.
    ///
    /// `/echo` returns the raw request bytes; `/delay/<ms>` waits then says ok; `/reset`
    /// aborts mid-body with an RST; `/close` closes unanswered; `/oneshot` answers, then
    /// closes without saying so; `/hang` never answers;
    /// `/continue` sends 100 Continue first; `/large/<bytes>` sends a patterned body;
    /// `/chunked` uses chunked framing; `/stream/<bytes>` sends a chunked body with no length;
    /// `/garbage` answers with something that is not HTTP; `/headers` sends oddly spelled
    /// response fields.
    func respond(to request: ReceivedRequest, on fd: Int32, connection: Int) -> Bool {
        let segments = request.path.split(separator: "/").map(String.init)
        switch segments.first ?? "" {
        case "echo":
            let head = ["Content-Type: application/octet-stream", "X-Connection: \(connection)"]
            return Socket.sendResponse(fd, status: "200 OK", headers: head, body: request.raw)
        case "delay":
            usleep(UInt32(Int(segments.last ?? "0") ?? 0) * 1_000)
            return Socket.sendResponse(fd, status: "200 OK", headers: [], body: Array("ok".utf8))
        case "reset":
            _ = Socket.sendAll(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".utf8))
            _ = Socket.sendAll(fd, [UInt8](repeating: 0x61, count: 1_000))
            usleep(20_000)
            Socket.abortWithReset(fd)
            return false
        case "close":
            return false
        case "oneshot":
            _ = Socket.sendResponse(fd, status: "200 OK", headers: [], body: Array("once".utf8))
            return false
        case "hang":
            Socket.waitForPeerClose(fd, limitMilliseconds: 30_000)
            return false
        case "continue":
            _ = Socket.sendAll(fd, Array("HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n".utf8))
            return Socket.sendResponse(fd, status: "200 OK", headers: ["X-Final: yes"], body: Array("final".utf8))
        case "large":
            let count = Int(segments.last ?? "0") ?? 0
            return Socket.sendResponse(fd, status: "200 OK", headers: [], body: Self.pattern(count: count))
        case "chunked":
            return sendChunked(fd)
        case "stream":
            return sendStream(fd, count: Int(segments.last ?? "0") ?? 0)
        case "garbage":
            _ = Socket.sendAll(fd, Array("NOT-HTTP garbage\r\n\r\n".utf8))
            return false
        case "headers":
            return Socket.sendAll(fd, Array(Self.oddHeadResponse.utf8))
        default:
            return Socket.sendResponse(fd, status: "404 Not Found", headers: [], body: [])
        }
    }

    /// The response fields `/headers` sends, in wire order and spelling.
    static let oddHeaderFields: [(String, String)] = [
        ("Content-Length", "3"),
        ("X-MiXeD-Case", "Value  with   inner spaces"),
        ("set-cookie", "a=1; Path=/"),
        ("Set-Cookie", "b=2"),
        ("X-Empty", ""),
        ("content-type", "application/json; format=pandas-records"),
    ]

    static var oddHeadResponse: String {
        let fields = oddHeaderFields.map { "\($0.0): \($0.1)\r\n" }.joined()
        return "HTTP/1.1 201 Created\r\n\(fields)\r\nyes"
    }

    /// The body `/chunked` sends, split over several chunks.
    static let chunkedParts: [String] = [
        "{\"a\":", "[1,2,3]", ",\"b\":\"", String(repeating: "x", count: 5_000), "\"}",
    ]

    /// A deterministic body of `count` bytes that is not all one value.
    static func pattern(count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                buffer[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 8)
            }
            initialized = count
        }
    }

    private func sendChunked(_ fd: Int32) -> Bool {
        var wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Framing: chunked\r\n\r\n"
        for part in Self.chunkedParts {
            wire += String(part.utf8.count, radix: 16) + "\r\n" + part + "\r\n"
        }
        wire += "0\r\n\r\n"
        return Socket.sendAll(fd, Array(wire.utf8))
    }

    private func sendStream(_ fd: Int32, count: Int) -> Bool {
        guard Socket.sendAll(fd, Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)) else {
            return false
        }
        let chunk = [UInt8](repeating: 0x7A, count: 65_536)
        var remaining = count
        while remaining > 0 {
            let size = min(remaining, chunk.count)
            let frame = Array((String(size, radix: 16) + "\r\n").utf8) + chunk[0..<size] + Array("\r\n".utf8)
            guard Socket.sendAll(fd, frame) else {
                return false
            }
            remaining -= size
        }
        return Socket.sendAll(fd, Array("0\r\n\r\n".utf8))
    }
}
