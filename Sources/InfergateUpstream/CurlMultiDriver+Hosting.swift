import Glibc
import InfergateCore

/// A hosted driver runs on its host's loop thread: the host watches `epollFD`, which is
/// readable whenever one of libcurl's sockets or the wake-up eventfd is, and runs a
/// non-blocking round after each of its own.
extension CurlMultiDriver: EventLoopAttachment {
    var descriptor: Int32 {
        epollFD
    }

    func attach() {
        loopThreadID.store(UInt(pthread_self()), ordering: .releasing)
    }

    func run(isReadable: Bool) -> Int? {
        // Sockets are only polled when the host saw them ready: no syscall on idle rounds.
        guard turn(maxWaitMilliseconds: isReadable ? 0 : nil) else {
            return nil
        }
        return millisecondsUntilTimer
    }

    /// Fails what is still in flight and frees the multi handle: the host loop is ending.
    func detach() {
        inbox.withLock { $0.isStopRequested = true }
        _ = turn(maxWaitMilliseconds: nil)
    }
}
