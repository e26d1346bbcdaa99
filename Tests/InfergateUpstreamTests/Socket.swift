import Glibc

/// A failed socket call in the test helpers, naming the call and errno.
struct SocketError: Error, CustomStringConvertible {
    var operation: String
    var code: Int32

    var description: String { "\(operation) failed: errno \(code)" }
}

/// Blocking POSIX socket helpers for the test server and the raw baseline client.
enum Socket {
    /// A listening socket on 127.0.0.1 with an ephemeral port.
    static func makeListener(backlog: Int32) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw SocketError(operation: "socket", code: errno)
        }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, backlog) == 0 else {
            let code = errno
            _ = close(fd)
            throw SocketError(operation: "bind/listen", code: code)
        }
        return fd
    }

    /// The port `fd` is bound to.
    static func localPort(of fd: Int32) throws -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else {
            throw SocketError(operation: "getsockname", code: errno)
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// A blocking TCP connection to 127.0.0.1:`port`, with Nagle off.
    static func connectLoopback(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard fd >= 0, result == 0 else {
            let code = errno
            _ = close(fd)
            throw SocketError(operation: "connect", code: code)
        }
        var yes: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// The IPv4 address 127.0.0.1:`port`.
    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// Reads one request (head plus Content-Length body) or nil at end of stream.
    static func readRequest(_ fd: Int32, buffer: inout [UInt8]) -> ReceivedRequest? {
        guard let headEnd = readUntilHeadEnd(fd, buffer: &buffer) else {
            return nil
        }
        let head = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.first?.split(separator: " ") ?? []
        guard requestLine.count == 3 else {
            return nil
        }
        let lengthLine = lines.first { $0.lowercased().hasPrefix("content-length:") }
        let length = lengthLine.flatMap { Int($0.dropFirst(15).trimmingPrefix(" ")) } ?? 0
        let total = headEnd + 4 + length
        while buffer.count < total {
            guard receive(fd, into: &buffer) else {
                return nil
            }
        }
        let raw = Array(buffer[0..<total])
        buffer.removeFirst(total)
        return ReceivedRequest(method: String(requestLine[0]), target: String(requestLine[1]), raw: raw)
    }

    /// Reads until a full response (Content-Length framing only) is in; returns its body.
    static func readResponseBody(_ fd: Int32, buffer: inout [UInt8]) -> [UInt8]? {
        guard let headEnd = readUntilHeadEnd(fd, buffer: &buffer) else {
            return nil
        }
        let head = String(decoding: buffer[0..<headEnd], as: UTF8.self).lowercased()
        let lengthLine = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
        let length = lengthLine.flatMap { Int($0.dropFirst(15).trimmingPrefix(" ")) } ?? 0
        let total = headEnd + 4 + length
        while buffer.count < total {
            guard receive(fd, into: &buffer) else {
                return nil
            }
        }
        let body = Array(buffer[(headEnd + 4)..<total])
        buffer.removeFirst(total)
        return body
    }

    private static func readUntilHeadEnd(_ fd: Int32, buffer: inout [UInt8]) -> Int? {
        var searchFrom = 0
        while true {
            if buffer.count >= 4 {
                for index in searchFrom...(buffer.count - 4) where isHeadEnd(buffer, at: index) {
                    return index
                }
                searchFrom = buffer.count - 3
            }
            guard receive(fd, into: &buffer) else {
                return nil
            }
        }
    }

    private static func isHeadEnd(_ buffer: [UInt8], at index: Int) -> Bool {
        buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10
    }

    private static func receive(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else {
            return false
        }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    /// Writes a Content-Length framed response in one send.
    static func sendResponse(_ fd: Int32, status: String, headers: [String], body: [UInt8]) -> Bool {
        var head = "HTTP/1.1 \(status)\r\n"
        for line in headers {
            head += line + "\r\n"
        }
        head += "Content-Length: \(body.count)\r\n\r\n"
        // One write, so a small response is one segment and never waits on a delayed ACK.
        return sendAll(fd, Array(head.utf8) + body)
    }

    /// Writes every byte or returns false; no SIGPIPE on a closed peer.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else {
                return false
            }
            offset += sent
        }
        return true
    }

    /// Closes with SO_LINGER 0 so the kernel sends an RST instead of a FIN.
    static func abortWithReset(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Blocks until the peer closes or `limitMilliseconds` pass, reading and dropping input.
    static func waitForPeerClose(_ fd: Int32, limitMilliseconds: Int32) {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var scratch = [UInt8](repeating: 0, count: 4_096)
        for _ in 0..<1_000 {
            guard poll(&descriptor, 1, limitMilliseconds) > 0 else {
                return
            }
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 {
                return
            }
        }
    }
}

extension Socket {
    /// Starts a TCP handshake to 127.0.0.1:`port` without waiting for it to finish.
    static func connectNonBlocking(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else {
            throw SocketError(operation: "socket", code: errno)
        }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 || errno == EINPROGRESS else {
            let code = errno
            _ = close(fd)
            throw SocketError(operation: "connect", code: code)
        }
        return fd
    }
}
