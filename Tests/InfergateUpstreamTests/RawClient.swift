import Glibc

/// A keep-alive HTTP/1.1 client on one blocking socket: the floor the engine is compared to.
final class RawClient {
    let fd: Int32
    let wire: [UInt8]
    var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; throws the failed socket call.
    init(port: UInt16) throws {
        fd = try Socket.connectLoopback(port: port)
        wire = Array("GET /delay/0 HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8)
    }

    /// Sends the fixed request and returns the response body, or nil if the socket failed.
    func roundTrip() -> [UInt8]? {
        guard Socket.sendAll(fd, wire) else {
            return nil
        }
        return Socket.readResponseBody(fd, buffer: &buffer)
    }

    /// Closes the socket; the client is unusable afterwards.
    func close() {
        _ = Glibc.close(fd)
    }
}
