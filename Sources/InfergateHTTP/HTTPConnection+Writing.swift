import InfergateCore

extension HTTPConnection {
    /// Records an answer and writes every answer that is now next in request order.
    func complete(_ completion: HTTPCompletion, sequence: Int) {
        guard state == .open else {
            return
        }
        pending[sequence] = completion
        while !closesAfterFlush, let next = pending.removeValue(forKey: nextToWrite) {
            let head = pendingHeads.removeValue(forKey: nextToWrite)
            nextToWrite += 1
            encode(next, head: head)
        }
        if closesAfterFlush {
            pending.removeAll()
        } else if !isAwaitingAnswers && context.isDraining.load(ordering: .relaxed) {
            closesAfterFlush = true
        } else if !isAwaitingAnswers && !acceptsRequests {
            closesAfterFlush = true
        }
        writeOutgoing()
        if state == .open && isReadSuspended && !closesAfterFlush
            && nextSequence - nextToWrite < context.configuration.maxPipelinedRequests
        {
            resumeReading()
            processBuffered()
        }
        notePhase()
    }

    /// Turns one answer into outgoing chunks and notes whether the connection ends after it.
    private func encode(_ completion: HTTPCompletion, head: HTTPRequestParser.Head?) {
        switch completion {
        case .response(let response):
            let wantsClose = HTTPRequestParser.hasToken("close", in: response.headers.values(for: "Connection"))
            let isDraining = context.isDraining.load(ordering: .relaxed)
            let keepsAlive = (head?.isKeepAlive ?? false) && !wantsClose && !isDraining
            let encoded = HTTPResponseEncoder.head(
                of: response,
                version: head?.version ?? .http11,
                isKeepAlive: keepsAlive
            )
            let omitsBody = head?.method == "HEAD" || response.body.isEmpty
            enqueue(omitsBody ? [encoded] : [encoded, response.body])
            if !keepsAlive {
                closesAfterFlush = true
                acceptsRequests = false
            }
        case .raw(let bytes, let after):
            enqueue([bytes])
            if after != .keepOpen {
                closesAfterFlush = true
                resetsAfterFlush = after == .reset
                acceptsRequests = false
            }
        case .abort:
            closesAfterFlush = true
            resetsAfterFlush = true
            acceptsRequests = false
        }
    }

    /// Appends chunks to the outgoing list without copying them; empty chunks are skipped.
    func enqueue(_ chunks: [[UInt8]]) {
        for chunk in chunks where !chunk.isEmpty {
            outgoing.append(chunk)
        }
    }

    /// Writes as much as the socket takes; arms the write source on `EAGAIN`; closes when done.
    func writeOutgoing() {
        while !outgoing.isEmpty && state != .closed {
            let written: Int?
            do {
                written = try Syscalls.write(fd, chunks: outgoing, firstOffset: outgoingOffset)
            } catch {
                close(reset: false)
                return
            }
            guard var count = written else {
                if writeStalledSinceNanos == nil {
                    writeStalledSinceNanos = context.time.monotonicNanoseconds
                }
                resumeWriting()
                return
            }
            writeStalledSinceNanos = nil
            while count > 0, let first = outgoing.first {
                let left = first.count - outgoingOffset
                if count >= left {
                    count -= left
                    outgoing.removeFirst()
                    outgoingOffset = 0
                } else {
                    outgoingOffset += count
                    count = 0
                }
            }
        }
        suspendWriting()
        if closesAfterFlush && state == .open {
            finish()
        }
    }

    /// Ends the connection after its last answer: RST when asked, else a lingering half-close.
    private func finish() {
        guard !resetsAfterFlush else {
            close(reset: true)
            return
        }
        // Closing with unread request bytes in the kernel buffer sends RST, which can destroy
        // the answer we just wrote (RFC 9112 §9.6); half-close and drain the peer instead.
        Syscalls.shutdownWrite(fd)
        state = .lingering
        phaseSinceNanos = context.time.monotonicNanoseconds
        resumeReading()
    }

    /// Unregisters and closes the socket (with RST when `reset`) and forgets this connection.
    func close(reset: Bool) {
        guard state != .closed else {
            return
        }
        state = .closed
        if reset {
            Syscalls.armReset(fd)
        }
        worker.remove(self)
        Syscalls.close(fd)
        outgoing.removeAll()
        pending.removeAll()
        context.openConnections.subtract(1, ordering: .relaxed)
    }

    /// Stops asking for readable events (pipeline full, or the peer finished sending).
    func suspendReading() {
        guard !isReadSuspended else {
            return
        }
        isReadSuspended = true
        updateInterest()
    }

    /// Asks for readable events again; buffered requests must be processed by the caller.
    func resumeReading() {
        guard isReadSuspended else {
            return
        }
        isReadSuspended = false
        updateInterest()
    }

    private func suspendWriting() {
        guard !isWriteSuspended else {
            return
        }
        isWriteSuspended = true
        updateInterest()
    }

    private func resumeWriting() {
        guard isWriteSuspended else {
            return
        }
        isWriteSuspended = false
        updateInterest()
    }

    private func updateInterest() {
        guard state != .closed else {
            return
        }
        worker.watch(self, reading: !isReadSuspended, writing: !isWriteSuspended)
    }
}
