import CCurl
import Glibc

// The multi and socket callbacks libcurl makes while the driver's queue is inside a curl
// function. Each receives the driver as an unretained pointer; the driver outlives the
// multi handle, which it frees in `shutdown`.

/// libcurl's CURLMOPT_SOCKETFUNCTION: which sockets to watch, and for what.
let curlDriverSocket:
    @convention(c) (
        UnsafeMutableRawPointer?, curl_socket_t, Int32, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?
    ) -> Int32 = { _, socket, what, context, _ in
        guard let context else {
            return -1
        }
        Unmanaged<CurlMultiDriver>.fromOpaque(context).takeUnretainedValue().watch(socket, for: what)
        return 0
    }

/// libcurl's CURLMOPT_TIMERFUNCTION. It must not call back into curl, so it only reschedules
/// the Dispatch timer, whose handler runs later on the queue.
let curlDriverTimer: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Int32 = {
    _, delay, context in
    guard let context else {
        return -1
    }
    Unmanaged<CurlMultiDriver>.fromOpaque(context).takeUnretainedValue().scheduleTimer(afterMilliseconds: delay)
    return 0
}

/// libcurl's CURLOPT_SOCKOPTFUNCTION, used only to learn that a connection socket exists.
let curlDriverOpenedSocket: @convention(c) (UnsafeMutableRawPointer?, curl_socket_t, curlsocktype) -> Int32 = {
    context, socket, _ in
    if let context {
        Unmanaged<CurlMultiDriver>.fromOpaque(context).takeUnretainedValue().opened(socket)
    }
    return CURL_SOCKOPT_OK
}

/// libcurl's CURLOPT_CLOSESOCKETFUNCTION, so closes wait for Dispatch to let go of the socket.
let curlDriverCloseSocket: @convention(c) (UnsafeMutableRawPointer?, curl_socket_t) -> Int32 = { context, socket in
    guard let context else {
        return Glibc.close(socket)
    }
    Unmanaged<CurlMultiDriver>.fromOpaque(context).takeUnretainedValue().close(socket)
    return 0
}
