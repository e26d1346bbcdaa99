import CCurl
import InfergateCore

/// The state of one request while libcurl works on it: the easy handle it borrowed, the
/// header list it owns, the upload cursor, and the response being collected.
///
/// Confined to the `CurlMultiDriver` loop thread from `submit` on; the only field touched
/// elsewhere (`continuation`) is set before the hand-over through the driver's inbox lock.
/// The C callbacks reach it through an unretained pointer, which is safe because the
/// driver's `transfers` table holds it until the easy handle has left the multi handle.
final class CurlTransfer: @unchecked Sendable {  // confined to the CurlMultiDriver loop thread
    typealias Outcome = Result<UpstreamResponse, UpstreamError>

    let request: UpstreamRequest
    let maxResponseBytes: Int
    var continuation: CheckedContinuation<Outcome, Never>?
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var isCancelled = false

    var uploadOffset = 0
    var headerFields: [(String, String)] = []
    var isHeadComplete = false
    var responseBody: [UInt8] = []
    var exceededResponseLimit = false

    /// A transfer not yet submitted; the caller sets `continuation` before handing it over.
    init(request: UpstreamRequest, maxResponseBytes: Int) {
        self.request = request
        self.maxResponseBytes = maxResponseBytes
    }

    /// Resumes the waiting caller once; later calls are ignored (a cancel racing completion).
    func finish(_ outcome: Outcome) {
        guard let continuation else {
            return
        }
        self.continuation = nil
        continuation.resume(returning: outcome)
    }

    /// Frees what the transfer owns on the C side; the easy handle goes back to the driver.
    func releaseNativeResources() {
        if let headerList {
            curl_slist_free_all(headerList)
        }
        headerList = nil
        easy = nil
    }

    /// Builds the response (or the classified error) after libcurl finished the transfer.
    func outcome(for code: CURLcode) -> Outcome {
        guard let easy else {
            return .failure(UpstreamError(kind: .other))
        }
        let connectMicros = Self.offsetInfo(easy, CURLINFO_CONNECT_TIME_T)
        guard code == CURLE_OK else {
            if exceededResponseLimit || code == CURLE_FILESIZE_EXCEEDED {
                return .failure(UpstreamError(kind: .tooLarge, curlCode: Int32(code.rawValue)))
            }
            let pretransferMicros = Self.offsetInfo(easy, CURLINFO_PRETRANSFER_TIME_T)
            let wasConnected = connectMicros > 0 || pretransferMicros > 0
            return .failure(UpstreamError(curlCode: code, wasConnected: wasConnected))
        }

        var status = 0
        _ = infergate_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var version = 0
        _ = infergate_easy_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version)
        let response = UpstreamResponse(
            status: status,
            headers: HTTPHeaders(headerFields),
            body: responseBody,
            httpVersion: Self.versionText(version),
            connectMicros: connectMicros,
            totalMicros: Self.offsetInfo(easy, CURLINFO_TOTAL_TIME_T)
        )
        return .success(response)
    }

    private static func offsetInfo(_ easy: UnsafeMutableRawPointer, _ info: CURLINFO) -> Int {
        var value: curl_off_t = 0
        _ = infergate_easy_getinfo_offset(easy, info, &value)
        return Int(value)
    }

    private static func versionText(_ version: Int) -> String {
        switch version {
        case Int(CURL_HTTP_VERSION_1_0): "1.0"
        case Int(CURL_HTTP_VERSION_2_0): "2"
        case Int(CURL_HTTP_VERSION_3): "3"
        default: "1.1"
        }
    }
}
