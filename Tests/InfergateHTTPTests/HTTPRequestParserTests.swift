import Testing

@testable import InfergateHTTP

/// Drives the parser as a value with the given bytes, whole or one byte at a time.
private func events(_ text: String, byteByByte: Bool, maxHeaderBytes: Int = 1_024, maxBodyBytes: Int = 1_024)
    -> [HTTPRequestParser.Event]
{
    var parser = HTTPRequestParser(maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
    var out: [HTTPRequestParser.Event] = []
    let bytes = Array(text.utf8)
    let pieces = byteByByte ? bytes.map { [$0] } : [bytes]
    for piece in pieces {
        parser.feed(piece)
        var guardCount = 0
        while guardCount < 100 {
            guardCount += 1
            let event = parser.next()
            if case .needMore = event {
                break
            }
            out.append(event)
            if case .failure = event {
                return out
            }
        }
    }
    return out
}

private func requests(_ events: [HTTPRequestParser.Event]) -> [(HTTPRequestParser.Head, [UInt8])] {
    events.compactMap { event in
        if case .request(let head, let body) = event {
            return (head, body)
        }
        return nil
    }
}

private func failure(_ events: [HTTPRequestParser.Event]) -> HTTPParseFailure? {
    for case .failure(let failure) in events {
        return failure
    }
    return nil
}

extension HTTPModuleTests {
    @Suite("HTTPRequestParser")
    struct HTTPRequestParserTests {
        @Test("parses a GET the same whole or byte by byte", arguments: [false, true])
        func simpleGet(byteByByte: Bool) {
            let text = "GET /v1/x?a=%20b HTTP/1.1\r\nHost: h\r\nX-Thing:  v a l  \r\n\r\n"
            let parsed = requests(events(text, byteByByte: byteByByte))
            #expect(parsed.count == 1)
            let head = parsed[0].0
            #expect(head.method == "GET")
            #expect(head.target == "/v1/x?a=%20b")
            #expect(head.version == .http11)
            #expect(head.headers["x-thing"] == "v a l")
            #expect(head.isKeepAlive)
            #expect(parsed[0].1.isEmpty)
        }

        @Test("reads a Content-Length body and a pipelined second request", arguments: [false, true])
        func pipelined(byteByByte: Bool) {
            let text =
                "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /b HTTP/1.0\r\n\r\n"
            let parsed = requests(events(text, byteByByte: byteByByte))
            #expect(parsed.map(\.0.target) == ["/a", "/b"])
            #expect(parsed.first?.1 == Array("hello".utf8))
            #expect(parsed.last?.0.isKeepAlive == false)
        }

        @Test("de-chunks with extensions and trailers", arguments: [false, true])
        func chunked(byteByByte: Bool) {
            let text =
                "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: t\r\n\r\n"
            let parsed = requests(events(text, byteByByte: byteByByte))
            #expect(parsed.count == 1)
            #expect(String(decoding: parsed.first?.1 ?? [], as: UTF8.self) == "hello, world!!!")
        }

        @Test("signals 100-continue before the body arrives")
        func expectContinue() {
            var parser = HTTPRequestParser(maxHeaderBytes: 1_024, maxBodyBytes: 1_024)
            parser.feed(Array("PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
            guard case .continueExpected = parser.next() else {
                Issue.record("expected continueExpected")
                return
            }
            parser.feed(Array("ok".utf8))
            guard case .request(_, let body) = parser.next() else {
                Issue.record("expected the request")
                return
            }
            #expect(body == Array("ok".utf8))
        }

        @Test("HTTP/1.0 keeps alive only when asked")
        func http10KeepAlive() {
            let parsed = requests(events("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", byteByByte: false))
            #expect(parsed.first?.0.isKeepAlive == true)
        }

        static let refused: [(String, Int, String)] = [
            (
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                "http.smuggling_cl_te"
            ),
            (
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", 400,
                "http.bad_content_length"
            ),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n", 400, "http.bad_content_length"),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\n", 400, "http.bad_content_length"),
            (
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400,
                "http.bad_transfer_encoding"
            ),
            (
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                "http.bad_transfer_encoding"
            ),
            ("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  folded\r\n\r\n", 400, "http.obs_fold"),
            ("GET / HTTP/1.1\nHost: h\n\n", 400, "http.bare_lf"),
            ("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400, "http.bare_cr"),
            ("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "http.bad_header_name"),
            ("GET / HTTP/1.1\r\nBad(Name): h\r\n\r\n", 400, "http.bad_header_name"),
            ("GET http://evil/ HTTP/1.1\r\nHost: h\r\n\r\n", 400, "http.bad_target"),
            ("CONNECT evil:443 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "http.bad_target"),
            ("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 400, "http.bad_target"),
            ("GET / HTTP/1.1\r\n\r\n", 400, "http.bad_host"),
            ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "http.version_not_supported"),
            ("GET / HTTX/1.1\r\nHost: h\r\n\r\n", 400, "http.bad_version"),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000\r\n\r\n", 413, "http.body_too_large"),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n801\r\n", 413, "http.body_too_large"),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "http.bad_chunk"),
            (
                "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "a", count: 1_100) + "\r\n\r\n", 431,
                "http.header_too_large"
            ),
        ]

        @Test("refuses smuggling shapes and limits, whole and byte by byte", arguments: refused)
        func refusesBadInput(input: (String, Int, String)) {
            for byteByByte in [false, true] {
                let found = failure(events(input.0, byteByByte: byteByByte))
                #expect(found?.status == input.1, "\(input.0.debugDescription) byteByByte=\(byteByByte)")
                #expect(found?.code == input.2, "\(input.0.debugDescription) byteByByte=\(byteByByte)")
            }
        }

        @Test("a refusal carries what was parsed before it")
        func refusalCarriesPartialHead() {
            let text = "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 2000\r\n\r\n"
            let found = failure(events(text, byteByByte: false))
            #expect(found?.method == "POST")
            #expect(found?.target == "/p")
            #expect(found?.headers["host"] == "h")
        }

        @Test("a chunked body past the limit is refused while de-chunking")
        func chunkedTooLargeAcrossChunks() {
            let chunk = "200\r\n" + String(repeating: "x", count: 512) + "\r\n"
            let text = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + chunk
            #expect(failure(events(text, byteByByte: false))?.status == 413)
        }

        @Test("skips an empty line before the request line")
        func leadingEmptyLine() {
            #expect(requests(events("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", byteByByte: true)).count == 1)
        }

        @Test("mutated requests never crash and parse the same whole or byte by byte")
        func mutatedInputsAgree() {
            var random = SplitMix64(seed: 42)
            let seeds = [
                "POST /a?b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: h\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x\r\nabc\r\n0\r\nT: 1\r\n\r\n",
            ].map { Array($0.utf8) }
            for round in 0..<400 {
                var bytes = seeds[round % seeds.count]
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    let index = Int(random.next() % UInt64(bytes.count))
                    bytes[index] = UInt8(truncatingIfNeeded: random.next())
                }
                let text = String(decoding: bytes, as: UTF8.self)
                let whole = summary(events(text, byteByByte: false))
                let split = summary(events(text, byteByByte: true))
                #expect(whole == split, "\(text.debugDescription)")
            }
        }
    }
}

/// A compact description of parser events, for comparing two runs.
private func summary(_ events: [HTTPRequestParser.Event]) -> [String] {
    events.map { event in
        switch event {
        case .needMore: "more"
        case .continueExpected: "continue"
        case .request(let head, let body): "\(head.method) \(head.target) \(head.headers.count) \(body)"
        case .failure(let failure): "\(failure.status) \(failure.code)"
        }
    }
}

/// A small deterministic generator so mutation tests are repeatable.
private struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
