import InfergateCore

/// Decides which headers cross the gateway in each direction.
///
/// Hop-by-hop fields (RFC 9110 §7.6.1, plus any named in `Connection`) never cross. Towards
/// the pipeline the caller's credentials are dropped, because the gateway owns upstream
/// authentication; framing fields are left to libcurl, which recomputes them.
public enum ForwardedHeaders {
    static let hopByHop = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authenticate", "proxy-authorization",
    ]

    /// Fields removed from requests on top of the hop-by-hop ones.
    static let droppedFromRequests =
        hopByHop + [
            "authorization", "host", "content-length", "expect", "x-infergate-key", "x-forwarded-for", "x-request-id",
        ]

    /// Fields removed from responses on top of the hop-by-hop ones; the front sets its own.
    static let droppedFromResponses = hopByHop + ["content-length", "date", "server"]

    /// The headers to send upstream for a caller's request.
    public static func upstreamRequestHeaders(
        from headers: HTTPHeaders,
        requestID: String,
        clientAddress: String,
        bearerToken: String?
    ) -> HTTPHeaders {
        let connectionNamed = namedInConnection(headers)
        var forwarded = HTTPHeaders()
        var priorForwardedFor: [String] = []
        for field in headers {
            if field.name.equalsIgnoringASCIICase("X-Forwarded-For") {
                priorForwardedFor.append(field.value)
            }
            if isListed(field.name, in: droppedFromRequests) || isListed(field.name, in: connectionNamed) {
                continue
            }
            forwarded.add(name: field.name, value: field.value)
        }
        forwarded.add(name: "X-Request-Id", value: requestID)
        forwarded.add(name: "X-Forwarded-For", value: (priorForwardedFor + [clientAddress]).joined(separator: ", "))
        if let bearerToken {
            forwarded.add(name: "Authorization", value: "Bearer \(bearerToken)")
        }
        return forwarded
    }

    /// The upstream's response headers as relayed to the caller.
    public static func downstreamResponseHeaders(from headers: HTTPHeaders) -> HTTPHeaders {
        let connectionNamed = namedInConnection(headers)
        var relayed = HTTPHeaders()
        for field in headers {
            if isListed(field.name, in: droppedFromResponses) || isListed(field.name, in: connectionNamed) {
                continue
            }
            relayed.add(name: field.name, value: field.value)
        }
        return relayed
    }

    // A linear scan of a dozen short names beats hashing a lowercased copy of every field name.
    private static func isListed(_ name: String, in names: [String]) -> Bool {
        names.contains { name.equalsIgnoringASCIICase($0) }
    }

    /// Field names listed in `Connection` (RFC 9110 §7.6.1), which are hop-by-hop too.
    ///
    /// `keep-alive` and `close` are options, not field names, and are skipped: nearly every
    /// response carries one of them, so this stays allocation-free in the common case.
    private static func namedInConnection(_ headers: HTTPHeaders) -> [String] {
        var names: [String] = []
        for field in headers where field.name.equalsIgnoringASCIICase("Connection") {
            for token in field.value.utf8.split(separator: UInt8(ascii: ",")) {
                let trimmed = token.drop { $0 == 0x20 || $0 == 0x09 }
                let end = trimmed.lastIndex { $0 != 0x20 && $0 != 0x09 }
                guard let end else {
                    continue
                }
                let name = String(decoding: trimmed[...end], as: UTF8.self)
                if !name.equalsIgnoringASCIICase("keep-alive"), !name.equalsIgnoringASCIICase("close") {
                    names.append(name)
                }
            }
        }
        return names
    }
}

/// Request ids: the caller's `X-Request-Id` when it is sane, otherwise a fresh random one.
public enum RequestID {
    /// Accepts up to 128 visible ASCII characters without quotes or backslashes.
    public static func accept(_ candidate: String?) -> String? {
        guard let candidate, !candidate.isEmpty, candidate.utf8.count <= 128 else {
            return nil
        }
        let isSafe = candidate.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != 0x5C }
        return isSafe ? candidate : nil
    }

    /// 128 random bits as 32 hex digits.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        // Written straight into the string's storage: this runs for nearly every request.
        return String(unsafeUninitializedCapacity: 32) { buffer in
            appendHex(high, to: buffer, at: 0)
            appendHex(low, to: buffer, at: 16)
            return 32
        }
    }

    private static func appendHex(_ value: UInt64, to buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        for index in 0..<16 {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0x0F
            buffer[offset + index] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble
        }
    }
}
