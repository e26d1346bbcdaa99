import CCurl
import Dispatch
import Glibc

extension CurlMultiDriver {
    /// Applies libcurl's wish for `socket` (`CURL_POLL_IN`, `OUT`, `INOUT` or `REMOVE`).
    func watch(_ socket: curl_socket_t, for what: Int32) {
        let watch = sockets[socket] ?? CurlSocketWatch(socket: socket, isConnection: false)
        sockets[socket] = watch
        watch.wantsRead = what == CURL_POLL_IN || what == CURL_POLL_INOUT
        let wantsWrite = what == CURL_POLL_OUT || what == CURL_POLL_INOUT

        if watch.wantsRead {
            if watch.reader == nil {
                let source = DispatchSource.makeReadSource(fileDescriptor: socket, queue: queue)
                source.setEventHandler { [self] in
                    readable(watch)
                }
                watch.reader = source
                arm(source, in: watch)
            }
            watch.unparkReader()
        } else if !watch.isConnection, let reader = watch.reader {
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

    /// Starts tracking a connection socket libcurl just created.
    ///
    /// A watch still filed under the same number belongs to a descriptor libcurl closed
    /// without the close callback (the threaded resolver's wake-up pair); it is retired
    /// without closing, since the number now names the new socket.
    func opened(_ socket: curl_socket_t) {
        if let stale = sockets[socket] {
            stale.closesWhenQuiet = false
            stale.cancelSources()
        }
        sockets[socket] = CurlSocketWatch(socket: socket, isConnection: true)
    }

    /// Closes `socket` for libcurl, after its Dispatch sources have finished cancelling.
    func close(_ socket: curl_socket_t) {
        guard let watch = sockets[socket] else {
            _ = Glibc.close(socket)
            return
        }
        watch.cancelSources()
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

    private func readable(_ watch: CurlSocketWatch) {
        guard watch.wantsRead else {
            // An idle kept-alive connection became readable (usually the peer closing it).
            // libcurl notices when it next picks the connection; until then stay quiet.
            idleReadEvents += 1
            return watch.parkReader()
        }
        performSocketAction(watch.socket, mask: CURL_CSELECT_IN)
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
