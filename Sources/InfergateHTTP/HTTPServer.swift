import Dispatch
import Foundation
import Glibc
import InfergateCore
import Synchronization

/// An HTTP/1.1 server on POSIX sockets: one Dispatch accept source, a few epoll worker threads.
///
/// Each connection is owned by one worker's loop thread (round-robin at accept), so the
/// thread count stays bounded however many connections are open. Accepting never blocks:
/// over `maxConnections` a connection gets a 503 written without waiting and is closed.
/// `listener` and `acceptSource` are guarded by `state`.
public final class HTTPServer: Sendable {
    private struct State {
        var listener: Int32 = -1
        var acceptSource: AcceptSource?
        var nextWorker = 0
    }

    private let context: HTTPServerContext
    private let makeLoopAttachments: (@Sendable (_ count: Int) throws -> [any EventLoopAttachment])?
    private let workers = Mutex<[HTTPWorker]>([])
    private let acceptQueue = DispatchQueue(label: "infergate.http.accept")
    private let state = Mutex(State())

    /// Creates a stopped server; `onRejection` hears of every request the server refuses itself.
    ///
    /// `makeLoopAttachments`, called once by `start` with the worker count, gives each worker
    /// an `EventLoopAttachment` to host on its thread (the upstream engine's multi handles).
    public init(
        configuration: HTTPServerConfiguration,
        logger: Logger,
        handler: @escaping HTTPHandler,
        onRejection: (@Sendable (HTTPRejection) -> Void)? = nil,
        makeLoopAttachments: (@Sendable (_ count: Int) throws -> [any EventLoopAttachment])? = nil
    ) {
        self.makeLoopAttachments = makeLoopAttachments
        let context = HTTPServerContext(
            configuration: configuration,
            logger: logger,
            handler: handler,
            onRejection: onRejection
        )
        self.context = context
    }

    /// A server dropped without `shutdown` still releases its listener and worker threads.
    deinit {
        state.withLock { $0.acceptSource?.source.cancel() }
        for worker in workers.withLock({ $0 }) {
            worker.stop()
        }
    }

    /// Connections currently open, including those finishing their last answer.
    public var openConnectionCount: Int { context.openConnections.load(ordering: .relaxed) }

    /// Requests handed to the handler and not yet answered.
    public var inFlightRequestCount: Int { context.inFlightRequests.load(ordering: .relaxed) }

    /// Binds (with `SO_REUSEADDR`), listens and starts accepting; returns the bound port.
    ///
    /// Throws `HTTPServerError` naming the failing call (`bind` when the port is taken,
    /// `epoll_create1` or `eventfd` when the process is out of descriptors).
    public func start() throws -> Int {
        // Writes use MSG_NOSIGNAL; ignoring SIGPIPE also covers any other write in the process.
        signal(SIGPIPE, SIG_IGN)
        let configuration = context.configuration
        let count =
            configuration.workerCount > 0
            ? configuration.workerCount : max(1, ProcessInfo.processInfo.activeProcessorCount)
        let bound = try Syscalls.listen(host: configuration.host, port: configuration.port, backlog: 4_096)
        let pool: [HTTPWorker]
        var attachments: [any EventLoopAttachment] = []
        do {
            attachments = try makeLoopAttachments?(count) ?? []
            pool = try (0..<count).map { index in
                let attachment = index < attachments.count ? attachments[index] : nil
                return try HTTPWorker(index: index, context: context, attachment: attachment)
            }
        } catch {
            // No worker has attached them, so they can be ended from here.
            for attachment in attachments {
                attachment.detach()
            }
            Syscalls.close(bound.fd)
            throw error
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: bound.fd, queue: acceptQueue)
        source.setEventHandler { [weak self] in self?.acceptPending(listener: bound.fd) }
        source.setCancelHandler { Syscalls.close(bound.fd) }
        state.withLock { state in
            state.listener = bound.fd
            state.acceptSource = AcceptSource(source: source)
        }
        workers.withLock { $0 = pool }
        for worker in pool {
            worker.start()
        }
        source.resume()
        context.logger.info(
            "http.listening",
            ["http.host": configuration.host, "http.port": String(bound.port), "http.workers": String(count)]
        )
        return bound.port
    }

    /// Accepts every pending connection, up to a batch, and hands each to a worker.
    private func acceptPending(listener: Int32) {
        for _ in 0..<256 {
            let accepted: (fd: Int32, address: String, port: Int)?
            do {
                accepted = try Syscalls.accept(listener)
            } catch let error as HTTPServerError {
                // EMFILE and friends: the backlog keeps the client waiting until a slot frees up.
                let metadata = ["error.code": error.code, "errno": String(error.errnoCode)]
                context.logger.warning("http.accept.failed", metadata)
                return
            } catch {
                return
            }
            guard let accepted else {
                return
            }
            guard context.openConnections.load(ordering: .relaxed) < context.configuration.maxConnections else {
                refuseOverCapacity(fd: accepted.fd, address: accepted.address)
                continue
            }
            context.openConnections.add(1, ordering: .relaxed)
            let pool = workers.withLock { $0 }
            let index = state.withLock { state in
                defer { state.nextWorker = (state.nextWorker + 1) % pool.count }
                return state.nextWorker
            }
            pool[index].adopt(fd: accepted.fd, address: accepted.address, port: accepted.port)
        }
    }

    /// Writes a 503 without waiting for the socket, then closes it; never blocks the accept path.
    private func refuseOverCapacity(fd: Int32, address: String) {
        let response = HTTPResponse.gatewayError(status: 503, message: "too many connections")
        let head = HTTPResponseEncoder.head(of: response, version: .http11, isKeepAlive: false)
        _ = try? Syscalls.write(fd, chunks: [head, response.body], firstOffset: 0)
        Syscalls.shutdownWrite(fd)
        Syscalls.close(fd)
        let failure = HTTPParseFailure(
            status: 503,
            reason: "too many connections",
            code: "http.too_many_connections",
            headers: [:],
            bytesReceived: 0
        )
        context.report(failure, remoteAddress: address, receivedAtMicros: context.time.wallMicroseconds)
    }

    /// Stops accepting, lets in-flight answers finish for up to the timeout, then closes everything.
    public func shutdown(drainTimeoutMilliseconds: Int) async {
        let source = state.withLock { state in
            defer { state.acceptSource = nil }
            return state.acceptSource
        }
        source?.source.cancel()
        context.isDraining.store(true, ordering: .relaxed)
        let pool = workers.withLock { $0 }
        for worker in pool {
            worker.execute { worker.drain() }
        }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, drainTimeoutMilliseconds)) * 1_000_000
        while openConnectionCount > 0 && DispatchTime.now().uptimeNanoseconds < deadline {
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        for worker in pool {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                worker.execute {
                    worker.closeAll()
                    continuation.resume()
                }
            }
            worker.stop()
        }
        context.logger.info("http.stopped", ["http.open_connections": String(openConnectionCount)])
    }
}

/// The listener's read source; Dispatch sources are thread-safe objects, the type just is not marked.
private struct AcceptSource: @unchecked Sendable {  // guarded by HTTPServer.state
    let source: DispatchSourceRead
}
