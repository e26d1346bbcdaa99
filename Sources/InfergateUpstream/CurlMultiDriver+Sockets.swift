import CCurl
import Dispatch
import Glibc

/// The Dispatch sources watching one socket for libcurl, and whether its close is deferred.
///
/// Confined to `CurlMultiDriver.queue`. libdispatch tracks sources per descriptor number,
/// so a descriptor must stay open until every source on it has finished cancelling;
/// otherwise a new socket reusing the number could inherit a stale registration.
final class CurlSocketWatch {
    let socket: curl_socket_t
    var reader: DispatchSourceRead?
    var writer: DispatchSourceWrite?
    var pendingCancellations = 0
    var closesWhenQuiet = false

    init(socket: curl_socket_t) {
        self.socket = socket
    }
}

extension CurlMultiDriver {
    /// Applies libcurl's wish for `socket` (`CURL_POLL_IN`, `OUT`, `INOUT` or `REMOVE`).
    func watch(_ socket: curl_socket_t, for what: Int32) {
        let watch = sockets[socket] ?? CurlSocketWatch(socket: socket)
        sockets[socket] = watch
        let wantsRead = what == CURL_POLL_IN || what == CURL_POLL_INOUT
        let wantsWrite = what == CURL_POLL_OUT || what == CURL_POLL_INOUT

        if wantsRead, watch.reader == nil {
            let source = DispatchSource.makeReadSource(fileDescriptor: socket, queue: queue)
            source.setEventHandler { [self] in
                performSocketAction(socket, mask: CURL_CSELECT_IN)
            }
            watch.reader = source
            arm(source, in: watch)
        } else if !wantsRead, let reader = watch.reader {
            watch.reader = nil
            reader.cancel()
        }

        if wantsWrite, watch.writer == nil {
            let source = DispatchSource.makeWriteSource(fileDescriptor: socket, queue: queue)
            source.setEventHandler { [self] in
                performSocketAction(socket, mask: CURL_CSELECT_OUT)
            }
            watch.writer = source
            arm(source, in: watch)
        } else if !wantsWrite, let writer = watch.writer {
            watch.writer = nil
            writer.cancel()
        }
    }

    /// Closes `socket` for libcurl, after its Dispatch sources have finished cancelling.
    func close(_ socket: curl_socket_t) {
        guard let watch = sockets[socket] else {
            _ = Glibc.close(socket)
            return
        }
        watch.reader?.cancel()
        watch.reader = nil
        watch.writer?.cancel()
        watch.writer = nil
        if watch.pendingCancellations == 0 {
            sockets[socket] = nil
            _ = Glibc.close(socket)
        } else {
            watch.closesWhenQuiet = true
        }
    }

    /// Schedules libcurl's single timer; a negative delay means none is wanted.
    func scheduleTimer(afterMilliseconds delay: Int) {
        guard let timer else {
            return
        }
        if delay < 0 {
            timer.schedule(deadline: .distantFuture)
        } else {
            timer.schedule(deadline: .now() + .milliseconds(delay))
        }
    }

    private func arm(_ source: any DispatchSourceProtocol, in watch: CurlSocketWatch) {
        watch.pendingCancellations += 1
        source.setCancelHandler { [self] in
            watch.pendingCancellations -= 1
            guard watch.pendingCancellations == 0, watch.closesWhenQuiet else {
                return
            }
            if sockets[watch.socket] === watch {
                sockets[watch.socket] = nil
            }
            _ = Glibc.close(watch.socket)
        }
        source.activate()
    }
}

/// libcurl's CURLMOPT_SOCKETFUNCTION: which sockets to watch, called on the driver queue.
let curlDriverSocket: @convention(c) (
    UnsafeMutableRawPointer?, curl_socket_t, Int32, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?
) -> Int32 = { _, socket, what, context, _ in
    guard let context else {
        return -1
    }
    Unmanaged<CurlMultiDriver>.fromOpaque(context).takeUnretainedValue().watch(socket, for: what)
    return 0
}

/// libcurl's CURLMOPT_TIMERFUNCTION. It must not call back into curl, so it only reschedules
/// the Dispatch timer, whose handler runs later on the queue.
let curlDriverTimer: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Int32 = {
    _, delay, context in
    guard let context else {
        return -1
    }
    Unmanaged<CurlMultiDriver>.fromOpaque(context).takeUnretainedValue().scheduleTimer(afterMilliseconds: delay)
    return 0
}

/// libcurl's CURLOPT_CLOSESOCKETFUNCTION, so closes wait for Dispatch to let go of the socket.
let curlDriverCloseSocket: @convention(c) (UnsafeMutableRawPointer?, curl_socket_t) -> Int32 = { context, socket in
    guard let context else {
        return Glibc.close(socket)
    }
    Unmanaged<CurlMultiDriver>.fromOpaque(context).takeUnretainedValue().close(socket)
    return 0
}
