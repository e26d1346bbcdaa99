import Foundation
import Glibc

/// A blocking loopback socket client for tests: sends exact bytes, reads responses by hand.
///
/// Every read has a receive timeout, so no test waits forever on a server that misbehaves.
/// `@unchecked Sendable`: `send` touches only the fd, and only one task at a time reads (and owns `buffered`).
final class RawHTTPClient: @unchecked Sendable {
    /// A response as read off the wire.
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// How a read that found no response ended.
    enum Ending: Equatable {
        case closed, reset, timedOut
    }

    struct ClientError: Error {
        var message: String
    }

    let fd: Int32
    private var buffered: [UInt8] = []

    init(port: Int, timeoutMilliseconds: Int = 5_000) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw ClientError(message: "socket failed")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw ClientError(message: "connect failed: errno \(errno)")
        }
        setTimeout(milliseconds: timeoutMilliseconds)
    }

    deinit {
        Glibc.close(fd)
    }

    func setTimeout(milliseconds: Int) {
        var timeout = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else {
                throw ClientError(message: "send failed: errno \(errno)")
            }
            offset += written
        }
    }

    /// Half-closes: the server sees end of stream but can still answer.
    func finishSending() {
        Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads more bytes; nil at end of stream, throws on reset or timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffered.append(contentsOf: chunk[0..<count])
            return true
        }
        if count == 0 {
            return false
        }
        throw ClientError(message: errno == ECONNRESET ? "reset" : "timeout errno \(errno)")
    }

    /// Reads one response (a 1xx counts as one); throws if the stream ends first.
    func readResponse(isHead: Bool = false) throws -> Response {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = find([13, 10, 13, 10])
            if headEnd == nil {
                guard try fill() else {
                    throw ClientError(message: "closed before a response")
                }
            }
        }
        let end = headEnd!
        let lines = String(decoding: buffered[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw ClientError(message: "bad status line \(lines[0])")
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else {
                continue
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append((String(line[..<colon]), value))
        }
        buffered.removeFirst(end + 4)
        var response = Response(status: status, headers: headers, body: [])
        if status < 200 || isHead {
            return response
        }
        let length = response.header("Content-Length").flatMap(Int.init) ?? 0
        while buffered.count < length {
            guard try fill() else {
                throw ClientError(message: "closed inside a body")
            }
        }
        response.body = Array(buffered[0..<length])
        buffered.removeFirst(length)
        return response
    }

    /// Reads until the peer closes; returns everything read, or throws on reset or timeout.
    func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { buffered.removeAll() }
        return buffered
    }

    /// Waits for the connection to end and says how: FIN, RST, or nothing within the timeout.
    func waitForEnding() -> Ending {
        do {
            while try fill() {}
            return .closed
        } catch let error as ClientError {
            return error.message == "reset" ? .reset : .timedOut
        } catch {
            return .timedOut
        }
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffered.count >= pattern.count else {
            return nil
        }
        for index in 0...(buffered.count - pattern.count) where buffered[index] == pattern[0] {
            if Array(buffered[index..<(index + pattern.count)]) == pattern {
                return index
            }
        }
        return nil
    }
}
