import Glibc

/// Every POSIX call the HTTP front makes, in one place: retries `EINTR`, throws errors naming the call.
///
/// Nothing above this file touches a raw pointer or `errno`. Reads and writes on non-blocking
/// sockets return `nil` for `EAGAIN` so callers can wait for readiness instead.
enum Syscalls {
    /// Runs `body` until it does not fail with `EINTR`; returns its result or throws for `operation`.
    private static func retrying<T: BinaryInteger>(_ operation: String, _ body: () -> T) throws -> T {
        while true {
            let result = body()
            if result >= 0 {
                return result
            }
            let code = errno
            if code != EINTR {
                throw HTTPServerError.system(operation, errno: code)
            }
        }
    }

    /// Creates a non-blocking TCP listener bound to `host:port` with `SO_REUSEADDR`; returns fd and port.
    static func listen(host: String, port: Int, backlog: Int32) throws -> (fd: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let info = list else {
            let text = cText(gai_strerror(status))
            throw HTTPServerError(operation: "getaddrinfo", errnoCode: status, message: text, code: "http.address")
        }
        defer { freeaddrinfo(list) }

        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try retrying("socket") { socket(info.pointee.ai_family, kind, 0) }
        do {
            var one: Int32 = 1
            _ = try retrying("setsockopt") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = try retrying("bind") { bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) }
            _ = try retrying("listen") { Glibc.listen(fd, backlog) }
            return (fd, try localPort(fd))
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// The port `fd` is bound to.
    static func localPort(_ fd: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                try retrying("getsockname") { getsockname(fd, address, &length) }
            }
        }
        return peer(of: storage).port
    }

    /// Accepts one connection as non-blocking; `nil` when none is pending.
    static func accept(_ listener: Int32) throws -> (fd: Int32, address: String, port: Int)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let fd = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) }
            }
            if fd >= 0 {
                // Glibc's module map hides accept4, so the flags are set after the fact.
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                let peer = peer(of: storage)
                return (fd, peer.address, peer.port)
            }
            let code = errno
            switch code {
            case EINTR, ECONNABORTED: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: throw HTTPServerError.system("accept", errno: code)
            }
        }
    }

    /// Reads into `buffer`; the byte count (0 at end of stream), or `nil` for `EAGAIN`.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int? {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count >= 0 {
                return count
            }
            let code = errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: throw HTTPServerError.system("recv", errno: code)
            }
        }
    }

    /// Writes the chunks with one `sendmsg` (no SIGPIPE); the byte count written, or `nil` for `EAGAIN`.
    static func write(_ fd: Int32, chunks: [[UInt8]], firstOffset: Int) throws -> Int? {
        let count = min(chunks.count, 16)
        var vectors = [iovec](repeating: iovec(), count: count)
        return try withPinned(chunks, count: count) { bases in
            for index in 0..<count {
                let skip = index == 0 ? firstOffset : 0
                vectors[index] = iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: bases[index]?.advanced(by: skip)),
                    iov_len: chunks[index].count - skip
                )
            }
            return try vectors.withUnsafeMutableBufferPointer { vectorBuffer in
                var message = msghdr()
                message.msg_iov = vectorBuffer.baseAddress
                message.msg_iovlen = count
                while true {
                    let written = sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                    if written >= 0 {
                        return written
                    }
                    let code = errno
                    switch code {
                    case EINTR: continue
                    case EAGAIN, EWOULDBLOCK: return nil
                    default: throw HTTPServerError.system("sendmsg", errno: code)
                    }
                }
            }
        }
    }

    /// Calls `body` with the base addresses of the first `count` chunks held valid.
    private static func withPinned<R>(
        _ chunks: [[UInt8]],
        count: Int,
        _ body: ([UnsafeRawPointer?]) throws -> R
    ) rethrows -> R {
        var bases: [UnsafeRawPointer?] = []
        bases.reserveCapacity(count)
        func pin(_ index: Int) throws -> R {
            if index == count {
                return try body(bases)
            }
            return try chunks[index].withUnsafeBytes { raw in
                bases.append(raw.baseAddress)
                return try pin(index + 1)
            }
        }
        return try pin(0)
    }

    /// Half-closes the sending side so the peer sees end of stream while we still drain its bytes.
    static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Arms `SO_LINGER` with a zero timeout so the next `close` sends RST instead of FIN.
    static func armReset(_ fd: Int32) {
        var linger = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
    }

    /// Closes `fd`; `EINTR` is not retried because Linux has already released the descriptor.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// The numeric address and port in `storage`.
    static func peer(of storage: sockaddr_storage) -> (address: String, port: Int) {
        var copy = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        return withUnsafePointer(to: &copy) { pointer in
            if Int32(storage.ss_family) == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var raw = address.pointee.sin6_addr
                    inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                    return (cText(text), Int(UInt16(bigEndian: address.pointee.sin6_port)))
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                var raw = address.pointee.sin_addr
                inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                return (cText(text), Int(UInt16(bigEndian: address.pointee.sin_port)))
            }
        }
    }

    /// The text of a NUL-terminated C string.
    static func cText(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else {
            return ""
        }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
    }

    /// The text of a NUL-terminated C string held in an array.
    static func cText(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
