import InfergateCore

/// Where the parser is inside a body.
enum BodyState: Equatable {
    case done
    case length(remaining: Int)
    case chunkSize
    case chunkData(remaining: Int)
    case chunkDataEnd
    case trailers(bytes: Int)
}

extension HTTPRequestParser {
    /// Applies RFC 9112 §6 framing rules to a parsed head, refusing every ambiguous shape.
    mutating func decideFraming(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders) -> Event {
        let partial = PartialHead(method: method, target: target, headers: headers)
        let hosts = headers.values(for: "Host")
        if version == .http11 && hosts.count != 1 || hosts.count > 1 {
            return fail(400, "missing or repeated host header", "http.bad_host", partial: partial)
        }
        let lengths = headers.values(for: "Content-Length")
        let codings = headers.values(for: "Transfer-Encoding")
        var framing = Framing.length(0)
        if !codings.isEmpty {
            guard lengths.isEmpty else {
                return fail(400, "content-length with transfer-encoding", "http.smuggling_cl_te", partial: partial)
            }
            guard version == .http11, codings.count == 1, codings[0].equalsIgnoringASCIICase("chunked") else {
                return fail(400, "unsupported transfer-encoding", "http.bad_transfer_encoding", partial: partial)
            }
            framing = .chunked
        } else if !lengths.isEmpty {
            guard lengths.count == 1, let length = Self.decimal(lengths[0]) else {
                return fail(400, "invalid content-length", "http.bad_content_length", partial: partial)
            }
            guard length <= maxBodyBytes else {
                return fail(413, "request body too large", "http.body_too_large", partial: partial)
            }
            framing = .length(length)
        }

        let connection = headers.values(for: "Connection")
        let keepAlive =
            version == .http11
            ? !Self.hasToken("close", in: connection)
            : Self.hasToken("keep-alive", in: connection) && !Self.hasToken("close", in: connection)
        let expects = headers["Expect"].map { $0.equalsIgnoringASCIICase("100-continue") } ?? false
        head = Head(
            method: method,
            target: target,
            version: version,
            headers: headers,
            isKeepAlive: keepAlive,
            expectsContinue: expects,
            framing: framing
        )
        switch framing {
        case .length(let length):
            bodyState = length == 0 ? .done : .length(remaining: length)
            body.reserveCapacity(length)
        case .chunked:
            bodyState = .chunkSize
        }
        if bodyState == .done {
            return finishRequest()
        }
        phase = .body
        continuePending = expects && version == .http11
        return next()
    }

    /// Moves buffered body bytes into `body`, de-chunking as it goes.
    mutating func continueBody() -> Event {
        while true {
            switch bodyState {
            case .done:
                return finishRequest()
            case .length(let remaining):
                let count = min(remaining, buffer.count - start)
                guard count > 0 else {
                    return .needMore
                }
                takeBody(count)
                bodyState = remaining == count ? .done : .length(remaining: remaining - count)
            case .chunkData(let remaining):
                let count = min(remaining, buffer.count - start)
                guard count > 0 else {
                    return .needMore
                }
                guard body.count + count <= maxBodyBytes else {
                    return fail(413, "request body too large", "http.body_too_large")
                }
                takeBody(count)
                bodyState = remaining == count ? .chunkDataEnd : .chunkData(remaining: remaining - count)
            case .chunkDataEnd:
                guard buffer.count - start >= 2 else {
                    return .needMore
                }
                guard buffer[start] == 13 && buffer[start + 1] == 10 else {
                    return fail(400, "malformed chunk", "http.bad_chunk")
                }
                consume(2)
                bodyState = .chunkSize
            case .chunkSize, .trailers:
                if let event = parseChunkLine() {
                    return event
                }
            }
        }
    }

    private mutating func takeBody(_ count: Int) {
        buffer.withUnsafeBufferPointer { bytes in
            body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<(start + count)]))
        }
        consume(count)
    }

    private mutating func consume(_ count: Int) {
        start += count
        requestBytes += count
    }

    /// Parses one chunk-size line or trailer line; nil when it moved on, else the event to return.
    private mutating func parseChunkLine() -> Event? {
        guard let lineFeed = buffer[start...].firstIndex(of: 10) else {
            if buffer.count - start > maxHeaderBytes {
                return fail(431, "chunk line too long", "http.chunk_line_too_long")
            }
            return .needMore
        }
        guard lineFeed > start, buffer[lineFeed - 1] == 13 else {
            return fail(400, "bare line feed in chunked body", "http.bare_lf")
        }
        let line = buffer[start..<(lineFeed - 1)]
        guard !line.contains(13) else {
            return fail(400, "bare carriage return in chunked body", "http.bare_cr")
        }
        consume(lineFeed + 1 - start)
        if case .trailers(let seen) = bodyState {
            // Trailers are tolerated and dropped: nothing downstream reads them.
            guard !line.isEmpty else {
                bodyState = .done
                return nil
            }
            let total = seen + line.count + 2
            guard total <= maxHeaderBytes else {
                return fail(431, "trailer fields too large", "http.header_too_large")
            }
            bodyState = .trailers(bytes: total)
            return nil
        }
        // Chunk extensions after ';' are allowed by RFC 9112 §7.1.1 and ignored.
        let sizeEnd = line.firstIndex { $0 == UInt8(ascii: ";") || $0 == 32 || $0 == 9 } ?? line.endIndex
        guard let size = Self.hexadecimal(line[line.startIndex..<sizeEnd]) else {
            return fail(400, "malformed chunk size", "http.bad_chunk")
        }
        guard body.count + size <= maxBodyBytes else {
            return fail(413, "request body too large", "http.body_too_large")
        }
        bodyState = size == 0 ? .trailers(bytes: 0) : .chunkData(remaining: size)
        return nil
    }

    /// A non-negative decimal of at most 18 digits, or nil.
    static func decimal(_ text: String) -> Int? {
        let digits = text.utf8
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ (48...57).contains($0) }) else {
            return nil
        }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    /// A non-negative hexadecimal of at most 15 digits, or nil.
    static func hexadecimal(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 15 else {
            return nil
        }
        var value = 0
        for digit in digits {
            switch digit {
            case 48...57: value = value * 16 + Int(digit - 48)
            case 65...70: value = value * 16 + Int(digit - 55)
            case 97...102: value = value * 16 + Int(digit - 87)
            default: return nil
            }
        }
        return value
    }

    /// True when the comma-separated `values` include `token`, compared case-insensitively.
    static func hasToken(_ token: String, in values: [String]) -> Bool {
        values.contains { value in
            value.split(separator: ",").contains {
                String($0).trimmingSpaces().equalsIgnoringASCIICase(token)
            }
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" {
            slice.removeFirst()
        }
        while let last = slice.last, last == " " || last == "\t" {
            slice.removeLast()
        }
        return String(slice)
    }
}
