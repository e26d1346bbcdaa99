/// One request as the loopback server read it off the wire.
struct ReceivedRequest {
    var method: String
    var target: String
    var raw: [UInt8]

    /// Whether the head carries `Connection: close` (a plain byte search is enough here).
    var asksToClose: Bool {
        String(decoding: raw.prefix(4_096), as: UTF8.self).lowercased().contains("\r\nconnection: close\r\n")
    }

    var path: String {
        String(target.prefix { $0 != "?" })
    }
}
