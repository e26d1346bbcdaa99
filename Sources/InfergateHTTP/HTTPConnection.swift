import InfergateCore

/// One accepted TCP connection: reads, parses, dispatches to the handler, writes answers in order.
///
/// Every mutable property is confined to the worker's loop thread; responders on other threads
/// hop onto it through `deliver(_:sequence:)`. The socket is non-blocking; the worker reports
/// readiness and this type decides which readiness it wants next (`watch`).
final class HTTPConnection: @unchecked Sendable {  // mutable state confined to the worker's loop thread
    /// The connection's life: open, answering its last request, draining the peer, gone.
    enum State {
        case open, lingering, closed
    }

    let fd: Int32
    let worker: HTTPWorker
    let context: HTTPServerContext
    /// Runs the tasks of this connection's requests on its worker's thread.
    let executor: HTTPWorkerExecutor
    let remoteAddress: String
    let remotePort: Int
    var parser: HTTPRequestParser
    var state = State.open
    var isReadSuspended = false
    var isWriteSuspended = true
    var outgoing: [[UInt8]] = []
    var outgoingOffset = 0
    var pending: [Int: HTTPCompletion] = [:]
    var pendingHeads: [Int: HTTPRequestParser.Head] = [:]
    var nextSequence = 0
    var nextToWrite = 0
    var acceptsRequests = true
    var closesAfterFlush = false
    var resetsAfterFlush = false
    var requestStartMicros: Int64 = 0
    var trackedPhase = HTTPRequestParser.Phase.idle
    var trackedAwaiting = false
    var phaseSinceNanos: UInt64
    var hasServedRequest = false
    /// Monotonic time since which written bytes have been waiting on a full socket; nil when none wait.
    var writeStalledSinceNanos: UInt64?

    init(fd: Int32, remoteAddress: String, remotePort: Int, worker: HTTPWorker, context: HTTPServerContext) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.worker = worker
        self.context = context
        executor = HTTPWorkerExecutor(worker: worker)
        parser = HTTPRequestParser(
            maxHeaderBytes: context.configuration.maxHeaderBytes,
            maxBodyBytes: context.configuration.maxBodyBytes
        )
        phaseSinceNanos = context.time.monotonicNanoseconds
    }

    var isAwaitingAnswers: Bool { nextToWrite < nextSequence }

    /// Reads what the kernel has, feeds the parser and handles the events it yields.
    func readAvailable(peerFailed: Bool) {
        if isReadSuspended && state != .lingering {
            // Only errors and hang-ups arrive while not reading; the peer is gone.
            if peerFailed {
                close(reset: false)
            }
            return
        }
        for _ in 0..<4 {
            guard state != .closed else {
                return
            }
            let count: Int?
            do {
                count = try Syscalls.read(fd, into: worker.scratch)
            } catch {
                close(reset: false)
                return
            }
            guard let count else {
                break
            }
            guard count > 0 else {
                peerFinishedSending()
                return
            }
            if state == .lingering {
                continue
            }
            if parser.phase == .idle && !parser.hasBufferedBytes {
                requestStartMicros = context.time.wallMicroseconds
            }
            parser.feed(UnsafeRawBufferPointer(rebasing: worker.scratch[0..<count]))
            processBuffered()
            if isReadSuspended || state == .closed || count < worker.scratch.count {
                break
            }
        }
    }

    /// End of stream from the peer: write the answers still owed (a half-close is legal), else close.
    private func peerFinishedSending() {
        if state == .lingering || !isAwaitingAnswers {
            close(reset: false)
            return
        }
        // With no more requests accepted, `complete` closes after the last owed answer.
        acceptsRequests = false
        suspendReading()
    }

    /// Pulls parser events until it needs more bytes or the pipeline is full.
    func processBuffered() {
        while state == .open && acceptsRequests {
            if nextSequence - nextToWrite >= context.configuration.maxPipelinedRequests {
                suspendReading()
                break
            }
            switch parser.next() {
            case .needMore:
                notePhase()
                return
            case .continueExpected:
                if !isAwaitingAnswers {
                    enqueue([Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)])
                    writeOutgoing()
                }
            case .request(let head, let body):
                dispatch(head, body: body)
            case .failure(let failure):
                refuse(failure)
            }
        }
        notePhase()
    }

    /// Hands a complete request to the handler with a responder for its place in the queue.
    private func dispatch(_ head: HTTPRequestParser.Head, body: [UInt8]) {
        let sequence = nextSequence
        nextSequence += 1
        hasServedRequest = true
        var keepsAlive = head.isKeepAlive
        if context.isDraining.load(ordering: .relaxed) {
            keepsAlive = false
        }
        var effective = head
        effective.isKeepAlive = keepsAlive
        pendingHeads[sequence] = effective
        if !keepsAlive {
            acceptsRequests = false
        }
        let request = HTTPRequest(
            method: head.method,
            target: head.target,
            version: head.version,
            headers: head.headers,
            body: body,
            remoteAddress: remoteAddress,
            remotePort: remotePort,
            receivedAtMicros: requestStartMicros
        )
        if parser.hasBufferedBytes {
            requestStartMicros = context.time.wallMicroseconds
        }
        context.inFlightRequests.add(1, ordering: .relaxed)
        context.handler(request, HTTPResponder(connection: self, sequence: sequence))
    }

    /// Answers a refused request with the gateway's JSON error, reports it, and stops reading.
    func refuse(_ failure: HTTPParseFailure) {
        acceptsRequests = false
        context.report(failure, remoteAddress: remoteAddress, receivedAtMicros: requestStartMicros)
        let sequence = nextSequence
        nextSequence += 1
        pendingHeads[sequence] = HTTPRequestParser.Head(
            method: failure.method ?? "GET",
            target: failure.target ?? "/",
            version: .http11,
            headers: [:],
            isKeepAlive: false,
            expectsContinue: false,
            framing: .length(0)
        )
        let response = HTTPResponse.gatewayError(status: failure.status, message: failure.reason)
        complete(.response(response), sequence: sequence)
    }

    /// Called by responders from any thread; hops onto the worker's loop thread unless already there.
    func deliver(_ completion: HTTPCompletion, sequence: Int) {
        context.inFlightRequests.subtract(1, ordering: .relaxed)
        if worker.isCurrent {
            complete(completion, sequence: sequence)
        } else {
            worker.execute { self.complete(completion, sequence: sequence) }
        }
    }
}
