import InfergateCore

/// An incremental HTTP/1.x request parser: a pure state machine over bytes, with no I/O and no clock.
///
/// The owner feeds bytes as they arrive and pulls events with `next()` until `.needMore`.
/// Framing follows RFC 9112 strictly, because the gateway relays to another server and any
/// ambiguity is a request-smuggling hole: see `HTTPRequestParser+Head.swift` for the rules.
/// Buffered bytes are consumed from a moving start index and compacted, so large bodies are
/// copied a bounded number of times.
struct HTTPRequestParser {
    /// Where the parser is within the current request; the connection picks its timeout from it.
    enum Phase: Equatable {
        case idle, head, body, failed
    }

    /// A parsed request head plus the framing decided from it.
    struct Head {
        var method: String
        var target: String
        var version: HTTPVersion
        var headers: HTTPHeaders
        var isKeepAlive: Bool
        var expectsContinue: Bool
        var framing: Framing
    }

    /// How the body of a request is delimited.
    enum Framing: Equatable {
        case length(Int)
        case chunked
    }

    /// What `next()` produced.
    enum Event {
        case needMore
        case continueExpected
        case request(Head, body: [UInt8])
        case failure(HTTPParseFailure)
    }

    let maxHeaderBytes: Int
    let maxBodyBytes: Int
    var buffer: [UInt8] = []
    var start = 0
    var scanned = 0
    var phase = Phase.idle
    var head: Head?
    var body: [UInt8] = []
    var bodyState = BodyState.done
    var continuePending = false
    var requestBytes = 0

    init(maxHeaderBytes: Int, maxBodyBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// True when bytes of a request not yet returned are buffered.
    var hasBufferedBytes: Bool { start < buffer.count }

    /// Appends received bytes; compacts the consumed prefix first so the buffer stays bounded.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Appends received bytes from an array (tests and small inputs).
    mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// The next event the buffered bytes allow; `.needMore` when they do not complete one.
    mutating func next() -> Event {
        switch phase {
        case .failed:
            return .needMore
        case .idle, .head:
            skipLeadingEmptyLines()
            guard hasBufferedBytes else {
                return .needMore
            }
            if phase == .idle && buffer.count - start == 1 && buffer[start] == 13 {
                // Possibly the first half of an empty line that skipLeadingEmptyLines will drop.
                return .needMore
            }
            phase = .head
            return parseHeadIfComplete()
        case .body:
            if continuePending {
                continuePending = false
                if start == buffer.count {
                    return .continueExpected
                }
            }
            return continueBody()
        }
    }

    /// Drops the consumed prefix when it is worth moving the rest.
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            scanned -= start
            start = 0
        } else if start >= 65_536 && start * 2 >= buffer.count {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
    }

    /// RFC 9112 §2.2: a server should ignore at least one empty line before the request line.
    private mutating func skipLeadingEmptyLines() {
        guard phase == .idle else {
            return
        }
        while start + 1 < buffer.count && buffer[start] == 13 && buffer[start + 1] == 10 {
            start += 2
        }
        scanned = max(scanned, start)
    }

    /// Marks the parser dead and builds the failure event with what is known.
    mutating func fail(_ status: Int, _ reason: String, _ code: String, partial: PartialHead? = nil) -> Event {
        phase = .failed
        let failure = HTTPParseFailure(
            status: status,
            reason: reason,
            code: code,
            method: partial?.method ?? head?.method,
            target: partial?.target ?? head?.target,
            headers: partial?.headers ?? head?.headers ?? [:],
            bytesReceived: requestBytes + (buffer.count - start)
        )
        return .failure(failure)
    }

    /// Hands the finished request out and resets for the next one on the same connection.
    mutating func finishRequest() -> Event {
        guard let finished = head else {
            return fail(400, "bad request", "http.bad_request")
        }
        let completed = body
        head = nil
        body = []
        requestBytes = 0
        phase = .idle
        scanned = start
        return .request(finished, body: completed)
    }
}

/// Why the parser refused a request, with whatever it had parsed; the server answers `status`.
struct HTTPParseFailure: Error {
    var status: Int
    var reason: String
    var code: String
    var method: String?
    var target: String?
    var headers: HTTPHeaders
    var bytesReceived: Int
}

/// The fields of a head parsed before a failure, for the rejection report.
struct PartialHead {
    var method: String?
    var target: String?
    var headers: HTTPHeaders
}
