import CCurl
import Dispatch

/// The Dispatch sources watching one socket for libcurl, and whether its close is deferred.
///
/// Confined to `CurlMultiDriver.queue`. libdispatch tracks sources per descriptor number,
/// so a descriptor must stay open until every source on it has finished cancelling;
/// otherwise a new socket reusing the number could inherit a stale registration.
///
/// Connection sockets (`isConnection`, announced by libcurl's sockopt callback and closed
/// through the close-socket callback) keep their read source across requests: libcurl drops
/// interest after every response and asks again on the next request over the kept-alive
/// connection, and re-creating the source each time costs an epoll registration round
/// trip. While libcurl has no read interest the source is parked (suspended) the first time
/// it fires, so an idle connection the peer closed does not spin.
final class CurlSocketWatch {
    let socket: curl_socket_t
    let isConnection: Bool
    var reader: DispatchSourceRead?
    var writer: DispatchSourceWrite?
    var wantsRead = false
    var isReaderParked = false
    var pendingCancellations = 0
    var closesWhenQuiet = false

    /// A watch with no sources yet; `isConnection` marks sockets libcurl opened for HTTP.
    init(socket: curl_socket_t, isConnection: Bool) {
        self.socket = socket
        self.isConnection = isConnection
    }

    /// Makes the read source deliver events again after it was parked.
    func unparkReader() {
        guard isReaderParked, let reader else {
            return
        }
        isReaderParked = false
        reader.resume()
    }

    /// Stops event delivery without giving up the registration.
    func parkReader() {
        guard !isReaderParked, let reader else {
            return
        }
        isReaderParked = true
        reader.suspend()
    }

    /// Cancels every source; a parked source is resumed so its cancel handler can run.
    func cancelSources() {
        if let reader {
            reader.cancel()
            unparkReader()
        }
        reader = nil
        writer?.cancel()
        writer = nil
        wantsRead = false
    }
}
