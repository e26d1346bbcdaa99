import Foundation
import Glibc
import InfergateCore
import Synchronization

/// One event-loop thread and the connections it owns: epoll for readiness, an eventfd for wake-ups.
///
/// `connections`, `scratch`, `spareJobs` and the sweep clock are confined to the worker's
/// thread; other threads reach it only through `execute(_:)`, whose inbox is guarded by a `Mutex`. A server
/// runs one worker per core, so thousands of connections share a bounded number of threads.
/// A worker may host an `EventLoopAttachment` (the upstream engine's multi handle for this
/// thread): its descriptor sits in the worker's epoll set and it runs after every round.
/// Epoll is used rather than dispatch sources because libdispatch re-arms a source through its
/// manager thread after every event (an eventfd write and a thread hop per request).
final class HTTPWorker: @unchecked Sendable {  // connections and scratch confined to the loop thread
    typealias Job = @Sendable () -> Void

    let scratch: UnsafeMutableRawBufferPointer
    private let context: HTTPServerContext
    private let index: Int
    private var connections: [Int32: HTTPConnection] = [:]
    private var lastSweepNanos: UInt64 = 0
    private var spareJobs: [Job] = []
    private let loop: EventLoopDescriptors
    private let attachment: (any EventLoopAttachment)?
    /// Jobs for the loop, and whether the loop has exited (its descriptors are then closed).
    private let inbox = Mutex<(jobs: [Job], isClosed: Bool)>(([], false))
    private let loopThread = Atomic<UInt>(0)
    private let isStopping = Atomic<Bool>(false)
    /// Wake-up writes started under the inbox lock and not yet finished.
    private let pendingWakes = Atomic<Int>(0)

    init(index: Int, context: HTTPServerContext, attachment: (any EventLoopAttachment)? = nil) throws {
        self.index = index
        self.context = context
        self.attachment = attachment
        loop = try EventLoopDescriptors()
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
    }

    deinit {
        // A started loop closes its own descriptors on exit (and keeps the worker alive until then).
        if loopThread.load(ordering: .acquiring) == 0 {
            loop.closeDescriptors()
        }
        scratch.deallocate()
    }

    /// True when the caller runs on this worker's loop thread.
    var isCurrent: Bool { pthread_equal(pthread_self(), pthread_t(loopThread.load(ordering: .acquiring))) != 0 }

    /// Starts the loop thread.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "infergate.http.worker.\(index)"
        thread.start()
    }

    /// Runs `job` on the loop thread soon; callable from any thread, including the loop itself.
    ///
    /// Returns false, dropping `job`, once the loop has exited. The wake-up write happens after the
    /// inbox lock is released, so the loop never waits on the lock for a syscall; `pendingWakes`
    /// (raised under the lock while the inbox is open) keeps the loop from closing the eventfd
    /// until that write is done, so it can never hit a closed and reused descriptor. The loop
    /// thread itself needs no wake-up: it looks at its inbox before every wait.
    @discardableResult
    func execute(_ job: @escaping Job) -> Bool {
        let isLocal = isCurrent
        let (isAccepted, needsWake) = inbox.withLock { inbox in
            guard !inbox.isClosed else {
                return (false, false)
            }
            inbox.jobs.append(job)
            guard inbox.jobs.count == 1, !isLocal else {
                return (true, false)
            }
            pendingWakes.add(1, ordering: .relaxed)
            return (true, true)
        }
        if needsWake {
            loop.wake()
            pendingWakes.subtract(1, ordering: .releasing)
        }
        return isAccepted
    }

    /// Asks the loop to close everything and exit after the jobs already queued.
    func stop() {
        execute { [self] in
            closeAll()
            isStopping.store(true, ordering: .releasing)
        }
    }

    /// Takes ownership of an accepted socket and starts serving it; call from any thread.
    func adopt(fd: Int32, address: String, port: Int) {
        execute { [self] in
            let connection = HTTPConnection(
                fd: fd,
                remoteAddress: address,
                remotePort: port,
                worker: self,
                context: context
            )
            connections[fd] = connection
            loop.register(fd)
        }
    }

    /// Changes which readiness a connection waits for; on the loop thread.
    func watch(_ connection: HTTPConnection, reading: Bool, writing: Bool) {
        loop.modify(connection.fd, reading: reading, writing: writing)
    }

    /// Forgets a connection before its fd is closed, so a reused fd number is never confused.
    func remove(_ connection: HTTPConnection) {
        loop.unregister(connection.fd)
        connections.removeValue(forKey: connection.fd)
    }

    /// Asks every connection to finish its answers and close; on the loop thread.
    func drain() {
        for connection in Array(connections.values) {
            connection.beginDrain()
        }
    }

    /// Closes every connection now; on the loop thread.
    func closeAll() {
        for connection in Array(connections.values) {
            connection.close(reset: false)
        }
    }

    private func run() {
        loopThread.store(UInt(pthread_self()), ordering: .releasing)
        let interval = context.sweepIntervalMilliseconds
        let attachmentFD = attachment?.descriptor ?? -1
        if let attachment {
            attachment.attach()
            loop.watchReadable(attachmentFD)
        }
        var attachmentDelay: Int?
        while !isStopping.load(ordering: .acquiring) {
            var timeout = min(interval, attachmentDelay ?? interval)
            if inbox.withLock({ !$0.jobs.isEmpty }) {
                timeout = 0
            }
            var isAttachmentReady = false
            loop.wait(timeoutMilliseconds: Int32(timeout)) { fd, readable, writable, failed in
                guard fd != attachmentFD else {
                    isAttachmentReady = true
                    return
                }
                guard let connection = connections[fd] else {
                    return
                }
                if readable || failed {
                    connection.readAvailable(peerFailed: failed)
                }
                if writable && connections[fd] === connection {
                    connection.writeOutgoing()
                }
            }
            runJobs()
            attachmentDelay = attachment?.run(isReadable: isAttachmentReady)
            sweepIfDue(intervalMilliseconds: interval)
        }
        // Jobs accepted before the close still run (a task's job must never be lost), outside
        // the lock since they may call `execute`; connections they open are closed again.
        let late = inbox.withLock { inbox in
            inbox.isClosed = true
            defer { inbox.jobs = [] }
            return inbox.jobs
        }
        for job in late {
            job()
        }
        closeAll()
        if let attachment {
            loop.unregister(attachmentFD)
            attachment.detach()
        }
        // No wake can start once the inbox is closed; wait out the few already writing.
        while pendingWakes.load(ordering: .acquiring) != 0 {
            sched_yield()
        }
        loop.closeDescriptors()
    }

    private func runJobs() {
        // Swapping with a spare list keeps both buffers uniquely owned, so neither reallocates.
        inbox.withLock { inbox in
            swap(&inbox.jobs, &spareJobs)
        }
        for job in spareJobs {
            job()
        }
        spareJobs.removeAll(keepingCapacity: true)
    }

    /// Applies head, body, keep-alive and write-stall timeouts at most once per interval.
    private func sweepIfDue(intervalMilliseconds: Int) {
        let now = context.time.monotonicNanoseconds
        guard now &- lastSweepNanos >= UInt64(intervalMilliseconds) * 1_000_000 else {
            return
        }
        lastSweepNanos = now
        for connection in Array(connections.values) {
            connection.checkDeadline(nowNanos: now)
        }
    }
}
