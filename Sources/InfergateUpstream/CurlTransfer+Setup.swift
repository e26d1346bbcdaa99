import CCurl
import InfergateCore

extension CurlTransfer {
    /// Bodies up to this size go out with the request head (libcurl's own limit for that is 64 KiB).
    static let maxBodyBytesSentWithHead = 64 << 10

    /// Points a freshly reset easy handle at this transfer's request.
    ///
    /// On failure the handle is left half-configured; the driver resets it before reuse.
    func configure(_ handle: UnsafeMutableRawPointer, userAgent: String?) throws(UpstreamError) {
        easy = handle
        let context = Unmanaged.passUnretained(self).toOpaque()

        try check(infergate_easy_setopt_string(handle, CURLOPT_URL, request.url), "set url")
        try check(infergate_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"), "set protocols")
        // Forward the path exactly as received, dot segments included.
        try check(infergate_easy_setopt_long(handle, CURLOPT_PATH_AS_IS, 1), "set path as is")
        try check(infergate_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "set nosignal")
        try check(infergate_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0), "set follow location")
        let version = Int(CURL_HTTP_VERSION_2TLS)
        try check(infergate_easy_setopt_long(handle, CURLOPT_HTTP_VERSION, version), "set http version")
        try check(
            infergate_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, request.connectTimeoutMilliseconds)),
            "set connect timeout"
        )
        try check(
            infergate_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, request.totalTimeoutMilliseconds)),
            "set timeout"
        )
        try check(
            infergate_easy_setopt_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxResponseBytes)),
            "set max file size"
        )
        try configureTLS(handle)
        try configureMethodAndBody(handle, context: context)
        try configureHeaders(handle, userAgent: userAgent)

        try check(infergate_easy_setopt_write_callback(handle, curlTransferWrite), "set write callback")
        try check(infergate_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context), "set write data")
        try check(infergate_easy_setopt_header_callback(handle, curlTransferHeader), "set header callback")
        try check(infergate_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context), "set header data")
    }

    private func configureTLS(_ handle: UnsafeMutableRawPointer) throws(UpstreamError) {
        let verify = request.tls.verifyPeer
        try check(infergate_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, verify ? 1 : 0), "set verify peer")
        try check(infergate_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, verify ? 2 : 0), "set verify host")
        if let bundle = request.tls.caBundlePath {
            try check(infergate_easy_setopt_string(handle, CURLOPT_CAINFO, bundle), "set ca bundle")
        }
    }

    private func configureMethodAndBody(
        _ handle: UnsafeMutableRawPointer,
        context: UnsafeMutableRawPointer
    ) throws(UpstreamError) {
        let method = request.method
        if method == "HEAD" {
            // A custom HEAD alone would make libcurl wait for a body that never comes.
            try check(infergate_easy_setopt_long(handle, CURLOPT_NOBODY, 1), "set nobody")
            return
        }
        let sendsBody = !request.body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH"
        if sendsBody {
            let size = curl_off_t(request.body.count)
            try check(infergate_easy_setopt_long(handle, CURLOPT_POST, 1), "set post")
            try check(infergate_easy_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, size), "set body size")
            if request.body.count <= Self.maxBodyBytesSentWithHead {
                // libcurl sends a small body in the same write as the head: one syscall, one
                // segment; its copy of a few KiB costs less than the second send.
                // An empty body still needs a non-null pointer, or libcurl would read stdin.
                let code = request.body.withUnsafeBytes { bytes in
                    guard let base = bytes.baseAddress else {
                        return infergate_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
                    }
                    let body = UnsafeMutableRawPointer(mutating: base)
                    return infergate_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, body)
                }
                try check(code, "set body")
            } else {
                // A read callback with a known size: libcurl streams from our buffer without
                // copying it up front, and can rewind through the seek callback when it
                // retries on a fresh connection.
                try check(infergate_easy_setopt_read_callback(handle, curlTransferRead), "set read callback")
                try check(infergate_easy_setopt_pointer(handle, CURLOPT_READDATA, context), "set read data")
                try check(infergate_easy_setopt_seek_callback(handle, curlTransferSeek), "set seek callback")
                try check(infergate_easy_setopt_pointer(handle, CURLOPT_SEEKDATA, context), "set seek data")
            }
        }
        if method != "GET" || sendsBody {
            try check(infergate_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method), "set method")
        }
    }

    private func configureHeaders(_ handle: UnsafeMutableRawPointer, userAgent: String?) throws(UpstreamError) {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for field in request.headers.fields {
            // "Name:" would tell libcurl to drop the header; "Name;" sends it with no value.
            let line = field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
            list = curl_slist_append(list, line)
        }
        // Empty entries switch off headers libcurl would otherwise invent.
        for name in ["Expect", "Accept", "Content-Type"] where !request.headers.contains(name) {
            list = curl_slist_append(list, "\(name):")
        }
        if let userAgent, !request.headers.contains("User-Agent") {
            list = curl_slist_append(list, "User-Agent: \(userAgent)")
        }
        headerList = list
        try check(infergate_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "set headers")
    }

    private func check(_ code: CURLcode, _ operation: String) throws(UpstreamError) {
        guard code == CURLE_OK else {
            throw UpstreamError(kind: .other, operation: operation, easyCode: code)
        }
    }
}
