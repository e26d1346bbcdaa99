import CCurl

extension UpstreamError {
    /// Classifies a failed transfer's libcurl result.
    ///
    /// `wasConnected` tells a connect time-out from a time-out later in the exchange, since
    /// libcurl reports both as `CURLE_OPERATION_TIMEDOUT`.
    init(curlCode: CURLcode, wasConnected: Bool) {
        let kind = UpstreamError.kind(for: curlCode, wasConnected: wasConnected)
        self.init(kind: kind, curlCode: Int32(bitPattern: curlCode.rawValue), curlMessage: Self.text(of: curlCode))
    }

    /// An engine-side failure around a libcurl call that returned a multi-interface code.
    init(kind: Kind, operation: String, multiCode: CURLMcode) {
        let native = curl_multi_strerror(multiCode).map { String(cString: $0) } ?? ""
        self.init(kind: kind, curlCode: multiCode.rawValue, curlMessage: "\(operation): \(native)")
    }

    /// An engine-side failure around a libcurl easy-interface call, naming the operation.
    init(kind: Kind, operation: String, easyCode: CURLcode) {
        let native = Self.text(of: easyCode)
        self.init(kind: kind, curlCode: Int32(bitPattern: easyCode.rawValue), curlMessage: "\(operation): \(native)")
    }

    private static func text(of code: CURLcode) -> String {
        curl_easy_strerror(code).map { String(cString: $0) } ?? ""
    }

    private static func kind(for code: CURLcode, wasConnected: Bool) -> Kind {
        switch code {
        case CURLE_COULDNT_CONNECT:
            return .connectionRefused
        case CURLE_OPERATION_TIMEDOUT:
            return wasConnected ? .timeout : .connectTimeout
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SEND_FAIL_REWIND:
            return .reset
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .dns
        case CURLE_FILESIZE_EXCEEDED:
            return .tooLarge
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        case CURLE_UNSUPPORTED_PROTOCOL:
            // Schemes are checked before a transfer starts, so this is an HTTP/0.9-style reply.
            return .protocolError
        case CURLE_WEIRD_SERVER_REPLY, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_BAD_CONTENT_ENCODING,
            CURLE_HTTP_RETURNED_ERROR, CURLE_TOO_MANY_REDIRECTS:
            return .protocolError
        default:
            return isTLS(code) ? .tls : .other
        }
    }

    private static func isTLS(_ code: CURLcode) -> Bool {
        switch code {
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            return true
        default:
            return false
        }
    }
}
