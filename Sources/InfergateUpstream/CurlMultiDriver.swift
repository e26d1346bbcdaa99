import CCurl
import Dispatch
import InfergateCore

/// Owns the process's libcurl multi handle and runs every curl call on one serial queue.
///
/// All mutable state here (the multi handle, the easy-handle pool, the transfer table, the
/// socket watches and the timer) is confined to `queue`; the public entry points hop onto it
/// with `async`, and libcurl's callbacks run synchronously inside curl calls made on it.
/// Connection reuse comes from the multi handle's connection cache, so idle easy handles
/// are only kept to save their allocation.
final class CurlMultiDriver: @unchecked Sendable {  // confined to `queue`
    let queue = DispatchQueue(label: "infergate.upstream.curl")
    let logger: Logger
    let configuration: TransferEngineConfiguration
    var multi: UnsafeMutableRawPointer?
    var timer: DispatchSourceTimer?
    var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    var idleHandles: [UnsafeMutableRawPointer] = []
    var sockets: [curl_socket_t: CurlSocketWatch] = [:]
    var isShutDown = false
    /// Read events on connections libcurl was not reading from (idle, peer closed); tests
    /// use it to check that such a connection parks its source instead of spinning.
    var idleReadEvents = 0

    private static let maxIdleHandles = 256
    private static let queueKey = DispatchSpecificKey<Bool>()
    private static let globalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    /// Creates the multi handle and wires its socket and timer callbacks to `queue`.
    init(configuration: TransferEngineConfiguration, logger: Logger) throws(UpstreamError) {
        self.configuration = configuration
        self.logger = logger
        queue.setSpecific(key: Self.queueKey, value: true)
        guard Self.globalInitResult == CURLE_OK else {
            throw UpstreamError(kind: .other, operation: "curl_global_init", easyCode: Self.globalInitResult)
        }
        guard let multi = curl_multi_init() else {
            throw UpstreamError(kind: .other, message: "upstream engine could not start")
        }
        self.multi = multi

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
            self.multi = nil
            throw UpstreamError(kind: .other, operation: operation, multiCode: code)
        }

        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [self] in
            performSocketAction(CURL_SOCKET_TIMEOUT, mask: 0)
        }
        timer.schedule(deadline: .distantFuture)
        timer.activate()
        self.timer = timer
    }

    /// Starts `transfer` on the queue, or finishes it at once when it was cancelled first,
    /// the engine has shut down, or its easy handle could not be set up.
    func submit(_ transfer: CurlTransfer) {
        queue.async { [self] in
            guard !transfer.isCancelled else {
                return transfer.finish(.failure(UpstreamError(kind: .cancelled)))
            }
            guard !isShutDown, let multi else {
                return transfer.finish(.failure(.shutDown))
            }
            guard let easy = idleHandles.popLast() ?? curl_easy_init() else {
                return transfer.finish(.failure(UpstreamError(kind: .other, message: "upstream engine out of memory")))
            }
            let me = Unmanaged.passUnretained(self).toOpaque()
            do throws(UpstreamError) {
                try transfer.configure(easy, socketOwner: me, userAgent: configuration.userAgent)
            } catch {
                transfer.releaseNativeResources()
                recycle(easy)
                return transfer.finish(.failure(error))
            }
            transfers[easy] = transfer
            let code = curl_multi_add_handle(multi, easy)
            if code != CURLM_OK {
                transfers[easy] = nil
                transfer.releaseNativeResources()
                recycle(easy)
                return transfer.finish(.failure(UpstreamError(kind: .other, operation: "add handle", multiCode: code)))
            }
            // Start the transfer now rather than one timer hop later; libcurl asked for a
            // zero timeout in add_handle, and a timeout action runs every due transfer.
            performSocketAction(CURL_SOCKET_TIMEOUT, mask: 0)
        }
    }

    /// Removes `transfer` from the multi handle and fails it with `.cancelled`; a transfer
    /// not yet submitted is marked so `submit` fails it instead.
    func cancel(_ transfer: CurlTransfer) {
        queue.async { [self] in
            transfer.isCancelled = true
            guard let easy = transfer.easy, transfers[easy] === transfer else {
                return
            }
            detach(easy)
            transfer.finish(.failure(UpstreamError(kind: .cancelled)))
        }
    }

    /// Fails every transfer, closes all connections and frees the multi handle; idempotent.
    ///
    /// Blocks until the queue has done so; must not be called from the queue itself.
    func shutdown() {
        // The last engine reference can in principle drop on the queue; don't deadlock then.
        if DispatchQueue.getSpecific(key: Self.queueKey) != nil {
            return closeEverything()
        }
        queue.sync {
            closeEverything()
        }
    }

    private func closeEverything() {
        guard !isShutDown else {
            return
        }
        isShutDown = true
        for (easy, transfer) in transfers {
            detach(easy)
            transfer.finish(.failure(.shutDown))
        }
        timer?.cancel()
        timer = nil
        if let multi {
            curl_multi_cleanup(multi)
        }
        multi = nil
        for easy in idleHandles {
            curl_easy_cleanup(easy)
        }
        idleHandles.removeAll()
        logger.info("upstream.engine.shutdown")
    }

    /// Lets libcurl act on `socket` (or on its timers) and completes whatever finished.
    func performSocketAction(_ socket: curl_socket_t, mask: Int32) {
        guard let multi else {
            return
        }
        var running: Int32 = 0
        let code = curl_multi_socket_action(multi, socket, mask, &running)
        if code != CURLM_OK {
            logger.error("upstream.multi.socket_action_failed", ["curl.code": "\(code.rawValue)"])
        }
        completeFinishedTransfers(multi)
    }

    private func completeFinishedTransfers(_ multi: UnsafeMutableRawPointer) {
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

    /// Takes `easy` out of the multi handle and the table and returns it to the pool.
    private func detach(_ easy: UnsafeMutableRawPointer) {
        if let multi {
            curl_multi_remove_handle(multi, easy)
        }
        transfers.removeValue(forKey: easy)?.releaseNativeResources()
        recycle(easy)
    }

    private func recycle(_ easy: UnsafeMutableRawPointer) {
        guard !isShutDown, idleHandles.count < Self.maxIdleHandles else {
            return curl_easy_cleanup(easy)
        }
        curl_easy_reset(easy)
        idleHandles.append(easy)
    }
}
