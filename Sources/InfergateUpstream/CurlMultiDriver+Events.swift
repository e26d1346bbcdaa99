import CCurl
import Glibc

// libcurl's socket and timer callbacks and the epoll calls behind them. Everything here runs
// on the loop thread; the callbacks run inside `curl_multi_socket_action` made there.

extension CurlMultiDriver {
    /// Hands `socket` (or `CURL_SOCKET_TIMEOUT`) to libcurl and completes what finished.
    func performSocketAction(_ socket: curl_socket_t, mask: Int32) {
        var running: Int32 = 0
        let code = curl_multi_socket_action(multi, socket, mask, &running)
        if code != CURLM_OK {
            logger.error("upstream.multi.socket_action_failed", ["curl.code": "\(code.rawValue)"])
        }
        completeFinishedTransfers()
    }

    /// Applies libcurl's wish for `socket` (`CURL_POLL_IN`, `OUT`, `INOUT` or `REMOVE`).
    ///
    /// Level-triggered, so a socket libcurl did not drain is reported again. A descriptor
    /// libcurl closed without `REMOVE` has left the epoll set by itself, and its number may
    /// come back as a new socket; hence no skipping of unchanged wishes (libcurl only calls
    /// on changes anyway) and the retries from modify to add and back.
    func watch(_ socket: curl_socket_t, for what: Int32) {
        guard what != CURL_POLL_REMOVE else {
            watchedSockets[socket] = nil
            _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, socket, nil)
            return
        }
        var events: UInt32 = 0
        if what == CURL_POLL_IN || what == CURL_POLL_INOUT {
            events |= EPOLLIN.rawValue
        }
        if what == CURL_POLL_OUT || what == CURL_POLL_INOUT {
            events |= EPOLLOUT.rawValue
        }
        var event = epoll_event()
        event.events = events
        event.data.fd = socket
        let first = watchedSockets[socket] == nil ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
        var result = epoll_ctl(epollFD, first, socket, &event)
        if result != 0, errno == ENOENT || errno == EEXIST {
            result = epoll_ctl(epollFD, errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, socket, &event)
        }
        guard result == 0 else {
            logger.error("upstream.loop.epoll_ctl_failed", ["errno": "\(errno)", "socket": "\(socket)"])
            watchedSockets[socket] = nil
            return
        }
        watchedSockets[socket] = events
    }

    /// Records libcurl's single timer; a negative delay means none is wanted.
    func scheduleTimer(afterMilliseconds delay: Int) {
        timerDeadline = delay < 0 ? nil : Self.monotonicMilliseconds() + delay
    }

    /// Creates the epoll set and the wake-up eventfd, registered in it for reading.
    static func makeEventDescriptors() throws(UpstreamError) -> (epoll: Int32, wake: Int32) {
        let epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        let wakeFD = eventfd(0, Int32(O_NONBLOCK | O_CLOEXEC))
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeFD
        guard epollFD >= 0, wakeFD >= 0, epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event) == 0 else {
            let failure = UpstreamError(kind: .other, message: "upstream engine could not start")
            close(epollFD, wakeFD)
            throw failure
        }
        return (epollFD, wakeFD)
    }

    /// Closes the descriptors that exist among `descriptors`.
    static func close(_ descriptors: Int32...) {
        for descriptor in descriptors where descriptor >= 0 {
            _ = Glibc.close(descriptor)
        }
    }

    /// CLOCK_MONOTONIC in milliseconds, the unit of libcurl's timer callback.
    static func monotonicMilliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1_000 + now.tv_nsec / 1_000_000
    }
}

/// libcurl's CURLMOPT_SOCKETFUNCTION: which sockets to watch, and for what. Receives the driver
/// unretained; the loop thread holds a reference until it has freed the multi handle.
let curlDriverSocket:
    @convention(c) (
        UnsafeMutableRawPointer?, curl_socket_t, Int32, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?
    ) -> Int32 = { _, socket, what, context, _ in
        guard let context else {
            return -1
        }
        Unmanaged<CurlMultiDriver>.fromOpaque(context).takeUnretainedValue().watch(socket, for: what)
        return 0
    }

/// libcurl's CURLMOPT_TIMERFUNCTION. It must not call back into curl, so it only records the
/// deadline, which the loop honours before its next wait.
let curlDriverTimer: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Int32 = {
    _, delay, context in
    guard let context else {
        return -1
    }
    Unmanaged<CurlMultiDriver>.fromOpaque(context).takeUnretainedValue().scheduleTimer(afterMilliseconds: delay)
    return 0
}
