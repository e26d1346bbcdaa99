import Foundation
import Glibc
import Synchronization

/// A test-only HTTP/1.1 server on 127.0.0.1 with one blocking thread per connection.
///
/// The request target picks a behaviour (see `LoopbackServer+Routes.swift`). Good enough
/// for tests and the round-trip measurement; not a model of the gateway's own server.
final class LoopbackServer: Sendable {
    struct Counters {
        var acceptedConnections = 0
        var openConnections: Set<Int32> = []
        var isStopped = false
    }

    let port: UInt16
    let listener: Int32
    let counters = Mutex(Counters())
    let greeting: [UInt8]?

    /// Binds an ephemeral loopback port; `startsAccepting` false leaves the backlog to fill,
    /// and a `greeting` is written to every new connection, which is then closed unread.
    init(backlog: Int32 = 512, startsAccepting: Bool = true, greeting: [UInt8]? = nil) throws {
        self.greeting = greeting
        listener = try Socket.makeListener(backlog: backlog)
        port = try Socket.localPort(of: listener)
        if startsAccepting {
            let thread = Thread { [self] in acceptLoop() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    var acceptedConnections: Int {
        counters.withLock { $0.acceptedConnections }
    }

    /// The http URL of `target` (path and raw query) on this server.
    func url(_ target: String) -> String {
        "http://127.0.0.1:\(port)\(target)"
    }

    /// Stops accepting and shuts every open connection so blocked threads return.
    func stop() {
        let open = counters.withLock { counters in
            counters.isStopped = true
            return counters.openConnections
        }
        _ = Glibc.shutdown(listener, Int32(SHUT_RDWR))
        for fd in open {
            _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
        }
        _ = Glibc.close(listener)
    }

    private func acceptLoop() {
        while true {
            let fd = Glibc.accept(listener, nil, nil)
            guard fd >= 0 else {
                if errno == EINTR || errno == ECONNABORTED {
                    continue
                }
                return
            }
            let connection = counters.withLock { counters -> Int? in
                guard !counters.isStopped else {
                    return nil
                }
                counters.acceptedConnections += 1
                counters.openConnections.insert(fd)
                return counters.acceptedConnections
            }
            var yes: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            guard let connection else {
                _ = Glibc.close(fd)
                return
            }
            let thread = Thread { [self] in
                serve(fd, connection: connection)
                counters.withLock { _ = $0.openConnections.remove(fd) }
                _ = Glibc.close(fd)
            }
            thread.stackSize = 256 << 10
            thread.start()
        }
    }

    private func serve(_ fd: Int32, connection: Int) {
        if let greeting {
            _ = Socket.sendAll(fd, greeting)
            return
        }
        var buffer: [UInt8] = []
        while let request = Socket.readRequest(fd, buffer: &buffer) {
            guard respond(to: request, on: fd, connection: connection), !request.asksToClose else {
                return
            }
        }
    }
}
