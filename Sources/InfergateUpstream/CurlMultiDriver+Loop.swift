import CCurl
import Glibc

// Everything here runs on the driver's loop thread, which alone touches the multi handle,
// the easy handles, `transfers`, `idleHandles`, `watchedSockets` and `timerDeadline`.

extension CurlMultiDriver {
    /// Upper bound on one `epoll_wait` sleep when libcurl wants no timer; a wake-up ends it
    /// early, so this only bounds an idle loop's period.
    static let maxWaitMilliseconds = 1_000
    static let maxIdleHandles = 256
    static let maxEventsPerWait = 64

    /// The own thread's loop: rounds until the driver closes.
    func runLoop() {
        loopThreadID.store(UInt(pthread_self()), ordering: .releasing)
        while turn(maxWaitMilliseconds: Self.maxWaitMilliseconds) {}
    }

    /// One round: applies commands, runs libcurl's timer when due, then waits up to
    /// `maxWaitMilliseconds` (less when the timer comes sooner) for ready sockets and hands
    /// them to libcurl; nil skips the sockets. Returns false once the driver has closed.
    func turn(maxWaitMilliseconds: Int?) -> Bool {
        guard !hasClosed, applyCommands() else {
            return false
        }
        if let deadline = timerDeadline, deadline <= Self.monotonicMilliseconds() {
            // A new transfer starts here: add_handle asks for a zero timeout.
            timerDeadline = nil
            performSocketAction(CURL_SOCKET_TIMEOUT, mask: 0)
        }
        guard var waitMilliseconds = maxWaitMilliseconds else {
            return true
        }
        // Wait even when the timer is due again (with a zero timeout), so a timer libcurl
        // keeps re-arming cannot starve the sockets.
        if let delay = millisecondsUntilTimer {
            waitMilliseconds = min(waitMilliseconds, delay)
        }
        let count = epoll_wait(epollFD, events, Int32(Self.maxEventsPerWait), Int32(waitMilliseconds))
        wakeCount.add(1, ordering: .relaxed)
        if count < 0, errno != EINTR {
            logger.error("upstream.loop.epoll_wait_failed", ["errno": "\(errno)"])
            // Don't spin on a persistent failure; transfers still time out meanwhile.
            usleep(10_000)
        }
        var wasWoken = false
        for index in 0..<max(0, Int(count)) {
            wasWoken = handle(events[index]) || wasWoken
        }
        // A command sent after this round took the inbox has had its wake-up consumed just
        // now; left for the next round, it could wait a hosted loop's whole sleep.
        return !wasWoken || applyCommands()
    }

    /// Applies what is in the inbox; false (after closing everything) when a stop was asked for.
    private func applyCommands() -> Bool {
        let (commands, isStopRequested) = takeCommands()
        for command in commands {
            apply(command)
        }
        if isStopRequested {
            closeEverything()
            return false
        }
        return true
    }

    /// Milliseconds until libcurl's timer is due (0 when overdue), nil when none is set.
    var millisecondsUntilTimer: Int? {
        timerDeadline.map { max(0, $0 - Self.monotonicMilliseconds()) }
    }

    /// Hands a ready socket to libcurl, or drains the wake-up eventfd; true for the latter.
    private func handle(_ event: epoll_event) -> Bool {
        let socket = event.data.fd
        guard socket != wakeFD else {
            var value: UInt64 = 0
            _ = read(wakeFD, &value, 8)
            return true
        }
        var mask: Int32 = 0
        if event.events & (EPOLLIN.rawValue | EPOLLHUP.rawValue) != 0 {
            mask |= CURL_CSELECT_IN
        }
        if event.events & EPOLLOUT.rawValue != 0 {
            mask |= CURL_CSELECT_OUT
        }
        if event.events & EPOLLERR.rawValue != 0 {
            mask |= CURL_CSELECT_ERR
        }
        performSocketAction(socket, mask: mask)
        return false
    }

    private func takeCommands() -> ([Command], Bool) {
        inbox.withLock { inbox in
            // Cleared before acting on the commands, so one sent meanwhile wakes the next wait.
            inbox.isWakePending = false
            var commands: [Command] = []
            swap(&commands, &inbox.commands)
            return (commands, inbox.isStopRequested)
        }
    }

    private func apply(_ command: Command) {
        switch command {
        case .start(let transfer):
            start(transfer)
        case .cancel(let transfer):
            transfer.isCancelled = true
            guard let easy = transfer.easy, transfers[easy] === transfer else {
                return
            }
            detach(easy)
            transfer.finish(.failure(UpstreamError(kind: .cancelled)))
        }
    }

    /// Adds `transfer` to the multi handle, or finishes it when it was cancelled first or
    /// its easy handle could not be set up. libcurl's zero timer then starts it.
    private func start(_ transfer: CurlTransfer) {
        guard !transfer.isCancelled else {
            return transfer.finish(.failure(UpstreamError(kind: .cancelled)))
        }
        guard let easy = idleHandles.popLast() ?? curl_easy_init() else {
            return transfer.finish(.failure(UpstreamError(kind: .other, message: "upstream engine out of memory")))
        }
        do throws(UpstreamError) {
            try transfer.configure(easy, userAgent: configuration.userAgent)
        } catch {
            transfer.releaseNativeResources()
            recycle(easy)
            return transfer.finish(.failure(error))
        }
        transfers[easy] = transfer
        startedTransfers.add(1, ordering: .relaxed)
        let code = curl_multi_add_handle(multi, easy)
        if code != CURLM_OK {
            transfers[easy] = nil
            transfer.releaseNativeResources()
            recycle(easy)
            return transfer.finish(.failure(UpstreamError(kind: .other, operation: "add handle", multiCode: code)))
        }
    }

    /// Resumes every transfer libcurl reports as done.
    func completeFinishedTransfers() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else {
                continue
            }
            let code = message.pointee.data.result
            guard let transfer = transfers[easy] else {
                curl_multi_remove_handle(multi, easy)
                continue
            }
            let outcome = transfer.outcome(for: code)
            detach(easy)
            transfer.finish(outcome)
        }
    }

    /// Fails every transfer and every late command, then frees the multi and easy handles.
    func closeEverything() {
        hasClosed = true
        let late = inbox.withLock { inbox in
            // After this no thread writes to `wakeFD`, so the descriptors and the multi handle can go.
            inbox.isClosed = true
            let commands = inbox.commands
            inbox.commands.removeAll()
            return commands
        }
        for case .start(let transfer) in late {
            transfer.finish(.failure(.shutDown))
        }
        for (easy, transfer) in transfers {
            detach(easy)
            transfer.finish(.failure(.shutDown))
        }
        curl_multi_cleanup(multi)
        Self.close(epollFD, wakeFD)
        for easy in idleHandles {
            curl_easy_cleanup(easy)
        }
        idleHandles.removeAll()
        logger.info("upstream.engine.shutdown")
    }

    /// Takes `easy` out of the multi handle and the table and returns it to the pool.
    private func detach(_ easy: UnsafeMutableRawPointer) {
        curl_multi_remove_handle(multi, easy)
        transfers.removeValue(forKey: easy)?.releaseNativeResources()
        recycle(easy)
    }

    private func recycle(_ easy: UnsafeMutableRawPointer) {
        guard idleHandles.count < Self.maxIdleHandles else {
            return curl_easy_cleanup(easy)
        }
        curl_easy_reset(easy)
        idleHandles.append(easy)
    }
}
