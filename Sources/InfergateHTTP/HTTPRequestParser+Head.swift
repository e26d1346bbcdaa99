import InfergateCore

/// RFC 9110 §5.6.2 `tchar`: the bytes allowed in methods and header names.
private let tokenBytes: [Bool] = (0..<256).map { byte in
    switch UInt8(byte) {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "A")...UInt8(ascii: "Z"):
        return true
    default:
        return "!#$%&'*+-.^_`|~".utf8.contains(UInt8(byte))
    }
}

extension HTTPRequestParser {
    /// Scans for the empty line ending the head (CRLF only) and parses the head once it is there.
    mutating func parseHeadIfComplete() -> Event {
        var end: Int?
        var failure: (String, String)?
        buffer.withUnsafeBufferPointer { bytes in
            var index = max(scanned, start)
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 10 {
                    // RFC 9112 §2.2 lets a recipient accept bare LF; a proxy must not, or it and
                    // the upstream may disagree on where the head ends.
                    guard index > start && bytes[index - 1] == 13 else {
                        failure = ("bare line feed in head", "http.bare_lf")
                        return
                    }
                    if index >= start + 3 && bytes[index - 2] == 10 || index == start + 1 {
                        end = index + 1
                        return
                    }
                } else if byte == 13 && index + 1 < bytes.count && bytes[index + 1] != 10 {
                    failure = ("bare carriage return in head", "http.bare_cr")
                    return
                }
                index += 1
            }
            // Keep a trailing CR unscanned so its LF is checked against it next time.
            scanned = bytes.count > start && bytes[bytes.count - 1] == 13 ? bytes.count - 1 : bytes.count
        }
        if let (reason, code) = failure {
            return fail(400, reason, code)
        }
        guard let headEnd = end else {
            if buffer.count - start > maxHeaderBytes {
                return fail(431, "request header fields too large", "http.header_too_large")
            }
            return .needMore
        }
        if headEnd - start > maxHeaderBytes {
            return fail(431, "request header fields too large", "http.header_too_large")
        }
        return parseHead(upTo: headEnd)
    }

    /// Parses the request line and fields in `start..<headEnd`, then decides the body framing.
    private mutating func parseHead(upTo headEnd: Int) -> Event {
        var partial = PartialHead(method: nil, target: nil, headers: [:])
        let parsed: Result<(String, String, HTTPVersion), HTTPParseFailure>
        parsed = buffer.withUnsafeBufferPointer { bytes in
            Result { try parseLines(bytes, from: start, to: headEnd, into: &partial) }
                .mapError { $0 as? HTTPParseFailure ?? failure(400, "bad request", "http.bad_request") }
        }
        switch parsed {
        case .failure(let failure):
            return fail(failure.status, failure.reason, failure.code, partial: partial)
        case .success(let (method, target, version)):
            requestBytes = headEnd - start
            start = headEnd
            scanned = headEnd
            return decideFraming(method: method, target: target, version: version, headers: partial.headers)
        }
    }

    private func failure(_ status: Int, _ reason: String, _ code: String) -> HTTPParseFailure {
        HTTPParseFailure(status: status, reason: reason, code: code, headers: [:], bytesReceived: 0)
    }

    /// Splits the head into CRLF lines; returns the request line's parts and fills `partial`.
    private func parseLines(
        _ bytes: UnsafeBufferPointer<UInt8>,
        from first: Int,
        to headEnd: Int,
        into partial: inout PartialHead
    ) throws -> (String, String, HTTPVersion) {
        var lineStart = first
        var requestLine: (String, String, HTTPVersion)?
        while lineStart < headEnd - 2 {
            var lineEnd = lineStart
            while bytes[lineEnd] != 13 {
                lineEnd += 1
            }
            let line = UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd])
            if requestLine == nil {
                let parts = try parseRequestLine(line)
                partial.method = parts.0
                partial.target = parts.1
                requestLine = parts
            } else {
                let field = try parseField(line)
                partial.headers.add(name: field.0, value: field.1)
            }
            lineStart = lineEnd + 2
        }
        guard let result = requestLine else {
            throw failure(400, "missing request line", "http.bad_request_line")
        }
        return result
    }

    /// `method SP request-target SP HTTP-version`, origin-form targets only.
    private func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) throws -> (String, String, HTTPVersion) {
        guard let firstSpace = line.firstIndex(of: 32),
            let secondSpace = line[(firstSpace + 1)...].firstIndex(of: 32),
            firstSpace > 0, secondSpace > firstSpace + 1
        else {
            throw failure(400, "malformed request line", "http.bad_request_line")
        }
        guard line[..<firstSpace].allSatisfy({ tokenBytes[Int($0)] }) else {
            throw failure(400, "invalid method", "http.bad_method")
        }
        let targetBytes = line[(firstSpace + 1)..<secondSpace]
        guard targetBytes.allSatisfy({ $0 > 32 && $0 != 127 }) else {
            throw failure(400, "invalid request target", "http.bad_target")
        }
        // Absolute-form, authority-form and asterisk-form are refused: the gateway routes on
        // paths only, and a proxy that accepted them could be steered to another host.
        guard targetBytes.first == UInt8(ascii: "/") else {
            throw failure(400, "request target must be a path", "http.bad_target")
        }
        let version = try parseVersion(UnsafeBufferPointer(rebasing: line[(secondSpace + 1)...]))
        let method = String(decoding: UnsafeBufferPointer(rebasing: line[..<firstSpace]), as: UTF8.self)
        let target = String(decoding: UnsafeBufferPointer(rebasing: targetBytes), as: UTF8.self)
        return (method, target, version)
    }

    /// `HTTP/1.1` or `HTTP/1.0`; another well-formed version is 505.
    private func parseVersion(_ text: UnsafeBufferPointer<UInt8>) throws -> HTTPVersion {
        let prefix: [UInt8] = Array("HTTP/".utf8)
        guard text.count == 8, text.starts(with: prefix), text[6] == UInt8(ascii: "."),
            (48...57).contains(text[5]), (48...57).contains(text[7])
        else {
            throw failure(400, "malformed http version", "http.bad_version")
        }
        let version = HTTPVersion(major: Int(text[5] - 48), minor: Int(text[7] - 48))
        guard version == .http11 || version == .http10 else {
            throw failure(505, "http version not supported", "http.version_not_supported")
        }
        return version
    }

    /// `field-name ":" OWS field-value OWS`; no obsolete folding, no space before the colon.
    private func parseField(_ line: UnsafeBufferPointer<UInt8>) throws -> (String, String) {
        guard let first = line.first, first != 32, first != 9 else {
            throw failure(400, "obsolete line folding", "http.obs_fold")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0,
            line[..<colon].allSatisfy({ tokenBytes[Int($0)] })
        else {
            throw failure(400, "invalid header field name", "http.bad_header_name")
        }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd && (line[valueStart] == 32 || line[valueStart] == 9) {
            valueStart += 1
        }
        while valueEnd > valueStart && (line[valueEnd - 1] == 32 || line[valueEnd - 1] == 9) {
            valueEnd -= 1
        }
        let value = line[valueStart..<valueEnd]
        guard value.allSatisfy({ $0 >= 32 || $0 == 9 }), !value.contains(127) else {
            throw failure(400, "invalid header field value", "http.bad_header_value")
        }
        let name = String(decoding: UnsafeBufferPointer(rebasing: line[..<colon]), as: UTF8.self)
        return (name, String(decoding: UnsafeBufferPointer(rebasing: value), as: UTF8.self))
    }
}
