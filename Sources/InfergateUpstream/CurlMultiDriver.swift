import CCurl
import Glibc
import InfergateCore
import Synchronization

/// Owns one libcurl multi handle and the one thread that makes every curl call on it.
///
/// The loop thread (see `CurlMultiDriver+Loop.swift`) waits in `epoll_wait` on the sockets
/// libcurl asks for, hands each ready socket to `curl_multi_socket_action` and resumes
/// finished transfers' continuations itself, so only the transfers on a ready socket run.
/// That thread is either the driver's own (`Mode.ownThread`) or an HTTP worker that hosts
/// the driver as an `EventLoopAttachment` (`Mode.hosted`, see `CurlMultiDriver+Hosting.swift`):
/// the worker watches `epollFD` inside its own epoll set, so a request's transfer runs on
/// the thread that owns the request's connection. Other threads talk to the loop only
/// through `inbox`: they append a command under its lock and write to the `wakeFD` eventfd;
/// the loop thread itself appends without the wake-up, since it runs the inbox next anyway.
///
/// State outside `inbox` (the transfer table, the easy-handle pool, the registered sockets
/// and the timer deadline) is touched only by the loop thread; `multi`, `epollFD` and
/// `wakeFD` are set once in `init` and closed by the loop thread after it has closed the
/// inbox, so a waker holding the inbox lock never sees them closed.
/// Connection reuse comes from the multi handle's connection cache; idle easy handles are
/// only kept to save their allocation.
final class CurlMultiDriver: @unchecked Sendable {  // loop-thread state; cross-thread state behind `inbox`
    /// Who runs the loop.
    enum Mode {
        /// A thread the driver starts and joins.
        case ownThread
        /// An event loop that calls `run(isReadable:)` (an HTTP worker).
        case hosted
    }

    /// Work handed to the loop thread, applied in arrival order.
    enum Command {
        case start(CurlTransfer)
        case cancel(CurlTransfer)
    }

    /// What other threads share with the loop thread.
    struct Inbox {
        var commands: [Command] = []
        var isWakePending = false
        var isStopRequested = false
        /// Set by the loop thread just before it frees the multi handle.
        var isClosed = false
    }

    let logger: Logger
    let configuration: TransferEngineConfiguration
    let mode: Mode
    let multi: UnsafeMutableRawPointer
    let epollFD: Int32
    let wakeFD: Int32
    let inbox = Mutex(Inbox())
    /// Times the loop came back from `epoll_wait`; tests use it to check that an idle
    /// connection the peer closed does not keep waking the loop.
    let wakeCount = Atomic<Int>(0)
    /// Transfers this driver has added to its multi handle; tests use it to see which loop ran them.
    let startedTransfers = Atomic<Int>(0)
    var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    var idleHandles: [UnsafeMutableRawPointer] = []
    /// The epoll events registered per socket, as libcurl last asked for them.
    var watchedSockets: [curl_socket_t: UInt32] = [:]
    /// When libcurl wants `CURL_SOCKET_TIMEOUT`, in `monotonicMilliseconds()`; nil for never.
    var timerDeadline: Int?
    /// Set by the loop thread once it has freed the multi handle.
    var hasClosed = false
    /// The buffer `epoll_wait` fills, used by the loop thread only.
    let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: CurlMultiDriver.maxEventsPerWait)
    /// The `pthread_t` of the loop thread, 0 until that thread has started or attached.
    let loopThreadID = Atomic<UInt>(0)

    /// Held while joining the loop thread, so every `shutdown` caller returns only after it ended.
    private let joinState = Mutex<Bool>(false)
    /// Written once in `init` before any other thread can see the driver.
    private var loopThread = pthread_t()

    private static let globalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    /// Creates the multi handle, the epoll set and the wake-up eventfd, then starts the loop
    /// thread that owns them, or leaves them for a host loop to attach.
    init(configuration: TransferEngineConfiguration, logger: Logger, mode: Mode = .ownThread) throws(UpstreamError) {
        self.configuration = configuration
        self.logger = logger
        self.mode = mode
        guard Self.globalInitResult == CURLE_OK else {
            throw UpstreamError(kind: .other, operation: "curl_global_init", easyCode: Self.globalInitResult)
        }
        let (epollFD, wakeFD) = try Self.makeEventDescriptors()
        guard let multi = curl_multi_init() else {
            Self.close(epollFD, wakeFD)
            throw UpstreamError(kind: .other, message: "upstream engine could not start")
        }
        self.multi = multi
        self.epollFD = epollFD
        self.wakeFD = wakeFD

        let me = Unmanaged.passUnretained(self).toOpaque()
        let total = configuration.maxTotalConnections
        let perHost = configuration.maxConnectionsPerHost
        let settings: [(String, CURLMcode)] = [
            ("socket callback", infergate_multi_setopt_socket_callback(multi, curlDriverSocket)),
            ("socket data", infergate_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me)),
            ("timer callback", infergate_multi_setopt_timer_callback(multi, curlDriverTimer)),
            ("timer data", infergate_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me)),
            ("max total", infergate_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, total)),
            ("max host", infergate_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, perHost)),
            ("max connects", infergate_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, total)),
        ]
        for (operation, code) in settings where code != CURLM_OK {
            curl_multi_cleanup(multi)
            Self.close(epollFD, wakeFD)
            throw UpstreamError(kind: .other, operation: operation, multiCode: code)
        }
        if mode == .ownThread {
            try startLoopThread()
        }
    }

    deinit {
        // A hosted driver whose host never attached, or never detached, still frees libcurl's handles.
        if !hasClosed {
            closeEverything()
        }
        events.deallocate()
    }

    /// True when the caller runs on the loop thread.
    var isOnLoopThread: Bool {
        pthread_equal(pthread_self(), pthread_t(loopThreadID.load(ordering: .acquiring))) != 0
    }

    /// Hands `transfer` to the loop thread, or fails it at once when the engine has shut down.
    func submit(_ transfer: CurlTransfer) {
        guard send(.start(transfer)) else {
            return transfer.finish(.failure(.shutDown))
        }
    }

    /// Asks the loop thread to remove `transfer` and fail it with `.cancelled`; a transfer not
    /// yet started is marked so its start fails instead.
    func cancel(_ transfer: CurlTransfer) {
        _ = send(.cancel(transfer))
    }

    /// Fails every transfer, closes all connections and frees the multi handle; idempotent.
    ///
    /// With its own thread, blocks until that thread has ended. A hosted driver, or a call on
    /// the loop thread itself, only asks the loop to stop; it stops on its next round.
    func shutdown() {
        inbox.withLock { inbox in
            guard !inbox.isStopRequested else {
                return
            }
            inbox.isStopRequested = true
            wakeLoop(&inbox)
        }
        guard mode == .ownThread, !isOnLoopThread else {
            return
        }
        joinState.withLock { isJoined in
            guard !isJoined else {
                return
            }
            pthread_join(loopThread, nil)
            isJoined = true
        }
    }

    /// Queues `command` and wakes the loop unless the caller is the loop thread, which runs
    /// its inbox after the current round; false when the loop has stopped taking commands.
    private func send(_ command: Command) -> Bool {
        let isLocal = isOnLoopThread
        return inbox.withLock { inbox in
            guard !inbox.isStopRequested, !inbox.isClosed else {
                return false
            }
            inbox.commands.append(command)
            if !isLocal {
                wakeLoop(&inbox)
            }
            return true
        }
    }

    /// Interrupts `epoll_wait` unless a wake-up is already on its way; call under `inbox`.
    private func wakeLoop(_ inbox: inout Inbox) {
        guard !inbox.isWakePending, !inbox.isClosed else {
            return
        }
        inbox.isWakePending = true
        // Safe under the lock: the loop sets `isClosed` under it before closing `wakeFD`.
        var one: UInt64 = 1
        if write(wakeFD, &one, 8) != 8 {
            logger.error("upstream.loop.wakeup_failed", ["errno": "\(errno)"])
        }
    }

    private func startLoopThread() throws(UpstreamError) {
        let retained = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&loopThread, nil, curlDriverThreadMain, retained)
        guard result == 0 else {
            Unmanaged<CurlMultiDriver>.fromOpaque(retained).release()
            curl_multi_cleanup(multi)
            Self.close(epollFD, wakeFD)
            throw UpstreamError(kind: .other, message: "upstream engine could not start")
        }
    }
}

/// The loop thread's entry point; it owns one retain of the driver until the loop ends.
private let curlDriverThreadMain: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { context in
    guard let context else {
        return nil
    }
    Unmanaged<CurlMultiDriver>.fromOpaque(context).takeRetainedValue().runLoop()
    return nil
}
