extension CurlTransfer {
    /// Takes one raw header line from libcurl; false aborts the transfer (body too large).
    ///
    /// A status line starts a new head, which drops interim 1xx heads; lines after the
    /// final head's blank line are trailers and are not kept. Obsolete line folding is
    /// joined onto the previous value with one space.
    func acceptHeaderLine(_ line: UnsafeRawBufferPointer) -> Bool {
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D {
            end -= 1
        }
        if Self.startsWithHTTP(line) {
            headerFields.removeAll(keepingCapacity: true)
            isHeadComplete = false
            return true
        }
        if end == 0 {
            isHeadComplete = true
            return true
        }
        guard !isHeadComplete else {
            return true
        }
        if line[0] == 0x20 || line[0] == 0x09, let last = headerFields.popLast() {
            let extra = Self.trimmedText(line, from: 0, to: end)
            headerFields.append((last.0, last.1 + " " + extra))
            return true
        }
        guard let colon = line[0..<end].firstIndex(of: 0x3A) else {
            return true
        }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<colon]), as: UTF8.self)
        let value = Self.trimmedText(line, from: colon + 1, to: end)
        headerFields.append((name, value))
        if name.equalsIgnoringASCIICase("Content-Length") {
            return reserveBody(forDeclaredLength: value)
        }
        return true
    }

    private func reserveBody(forDeclaredLength value: String) -> Bool {
        guard let declared = Int(value), declared >= 0 else {
            return true
        }
        guard declared <= maxResponseBytes else {
            exceededResponseLimit = true
            return false
        }
        // One allocation for the whole body instead of a doubling series of copies.
        if request.method != "HEAD" {
            responseBody.reserveCapacity(declared)
        }
        return true
    }

    private static func startsWithHTTP(_ line: UnsafeRawBufferPointer) -> Bool {
        line.count >= 5 && line[0] == 0x48 && line[1] == 0x54 && line[2] == 0x54 && line[3] == 0x50 && line[4] == 0x2F
    }

    private static func trimmedText(_ line: UnsafeRawBufferPointer, from start: Int, to end: Int) -> String {
        var lower = start
        var upper = end
        while lower < upper, line[lower] == 0x20 || line[lower] == 0x09 {
            lower += 1
        }
        while upper > lower, line[upper - 1] == 0x20 || line[upper - 1] == 0x09 {
            upper -= 1
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: line[lower..<upper]), as: UTF8.self)
    }
}
