import CLinuxEvents
import Glibc

/// The Linux epoll and eventfd calls and constants the worker loops use.
///
/// The calls go through the typed wrappers of the `CLinuxEvents` shim, which keep the packed
/// `struct epoll_event` layout on the C side; only `EventLoopDescriptors` uses this.
enum LinuxEvents {
    static let readable = EPOLLIN.rawValue
    static let writable = EPOLLOUT.rawValue
    static let error = EPOLLERR.rawValue
    static let hangUp = EPOLLHUP.rawValue
    static let peerClosed = EPOLLRDHUP.rawValue
    static let add = EPOLL_CTL_ADD
    static let delete = EPOLL_CTL_DEL
    static let modify = EPOLL_CTL_MOD
    static let closeOnExec = Int32(O_CLOEXEC)
    static let nonBlocking = Int32(O_NONBLOCK)
    static let eventSize = Int(infergate_epoll_event_size())

    static func createEpoll(_ flags: Int32) -> Int32 {
        epoll_create1(flags)
    }

    static func createEventFD(_ initial: UInt32, _ flags: Int32) -> Int32 {
        eventfd(initial, flags)
    }

    static func control(_ epollFD: Int32, _ operation: Int32, _ fd: Int32, events: UInt32) -> Int32 {
        infergate_epoll_ctl(epollFD, operation, fd, events)
    }

    static func wait(_ epollFD: Int32, _ buffer: UnsafeMutableRawPointer?, _ capacity: Int32, _ timeout: Int32) -> Int32
    {
        infergate_epoll_wait(epollFD, buffer, capacity, timeout)
    }

    static func flags(in buffer: UnsafeRawPointer, at index: Int) -> UInt32 {
        infergate_epoll_event_flags(buffer, Int32(index))
    }

    static func descriptor(in buffer: UnsafeRawPointer, at index: Int) -> Int32 {
        infergate_epoll_event_fd(buffer, Int32(index))
    }
}
