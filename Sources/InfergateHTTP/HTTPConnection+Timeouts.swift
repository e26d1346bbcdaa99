import InfergateCore

extension HTTPConnection {
    /// Restarts the phase clock when the parser phase or the waiting-for-answers flag changes.
    func notePhase() {
        let phase = parser.phase
        let awaiting = isAwaitingAnswers
        if phase != trackedPhase || awaiting != trackedAwaiting {
            trackedPhase = phase
            trackedAwaiting = awaiting
            phaseSinceNanos = context.time.monotonicNanoseconds
        }
    }

    /// Applies the timeout of the current phase; called by the worker's sweep timer.
    ///
    /// No timeout runs while the handler owes an answer: that is the handler's deadline.
    /// A head or body that is too slow gets 408; an idle keep-alive connection, or one that
    /// never sent a byte, is closed silently.
    func checkDeadline(nowNanos: UInt64) {
        let elapsedMilliseconds = Int((nowNanos &- phaseSinceNanos) / 1_000_000)
        let configuration = context.configuration
        switch state {
        case .closed:
            return
        case .lingering:
            if elapsedMilliseconds >= 1_000 {
                close(reset: false)
            }
            return
        case .open:
            break
        }
        // A peer that stops reading would pin its unsent answer in memory forever.
        if let stalled = writeStalledSinceNanos,
            Int((nowNanos &- stalled) / 1_000_000) >= configuration.bodyTimeoutMilliseconds
        {
            close(reset: true)
            return
        }
        guard !isAwaitingAnswers, acceptsRequests else {
            return
        }
        switch parser.phase {
        case .idle where !parser.hasBufferedBytes:
            let limit =
                hasServedRequest
                ? configuration.keepAliveTimeoutMilliseconds
                : configuration.headerTimeoutMilliseconds
            if elapsedMilliseconds >= limit {
                close(reset: false)
            }
        case .idle, .head:
            if elapsedMilliseconds >= configuration.headerTimeoutMilliseconds {
                timeOut(reason: "request head timed out")
            }
        case .body:
            if elapsedMilliseconds >= configuration.bodyTimeoutMilliseconds {
                timeOut(reason: "request body timed out")
            }
        case .failed:
            close(reset: false)
        }
    }

    private func timeOut(reason: String) {
        let failure = HTTPParseFailure(
            status: 408,
            reason: reason,
            code: "http.request_timeout",
            method: parser.head?.method,
            target: parser.head?.target,
            headers: parser.head?.headers ?? [:],
            bytesReceived: parser.requestBytes + parser.buffer.count - parser.start
        )
        refuse(failure)
    }

    /// Starts a graceful stop: idle connections close now, busy ones after their last answer.
    func beginDrain() {
        guard state == .open else {
            return
        }
        acceptsRequests = false
        if !isAwaitingAnswers {
            close(reset: false)
        }
    }
}
