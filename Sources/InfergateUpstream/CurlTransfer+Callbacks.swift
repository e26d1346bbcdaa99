import CCurl
import Glibc

// The C callbacks libcurl calls while the driver's loop thread is inside a curl function. Each
// receives the transfer as an unretained pointer set in `CurlTransfer.configure`.

/// Appends response body bytes; returning less than given makes libcurl stop with
/// `CURLE_WRITE_ERROR`, which `outcome(for:)` reports as `.tooLarge`.
let curlTransferWrite: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let data, let context else {
        return 0
    }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard transfer.responseBody.count + length <= transfer.maxResponseBytes else {
        transfer.exceededResponseLimit = true
        return 0
    }
    transfer.responseBody.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// Receives one header line at a time, status lines and the blank line included.
let curlTransferHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let data, let context else {
        return 0
    }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = UnsafeRawBufferPointer(start: data, count: length)
    return transfer.acceptHeaderLine(line) ? length : 0
}

/// Copies the next slice of the request body into libcurl's send buffer.
let curlTransferRead: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    buffer, size, count, context in
    guard let buffer, let context else {
        return Int(CURL_READFUNC_ABORT)
    }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let body = transfer.request.body
    let chunk = min(size * count, body.count - transfer.uploadOffset)
    guard chunk > 0 else {
        return 0
    }
    body.withUnsafeBytes { bytes in
        _ = memcpy(buffer, bytes.baseAddress! + transfer.uploadOffset, chunk)
    }
    transfer.uploadOffset += chunk
    return chunk
}

/// Rewinds the upload when libcurl resends the request, e.g. after a reused connection died.
let curlTransferSeek: @convention(c) (UnsafeMutableRawPointer?, curl_off_t, Int32) -> Int32 = {
    context, offset, origin in
    guard let context, origin == SEEK_SET else {
        return Int32(CURL_SEEKFUNC_CANTSEEK)
    }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    guard offset >= 0, Int(offset) <= transfer.request.body.count else {
        return Int32(CURL_SEEKFUNC_FAIL)
    }
    transfer.uploadOffset = Int(offset)
    return Int32(CURL_SEEKFUNC_OK)
}
