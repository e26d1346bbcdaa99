import Glibc

/// The epoll instance and wake-up eventfd of one worker: the only code that touches epoll.
///
/// Level-triggered, so a connection that stops reading early is simply reported again. The
/// eventfd is registered like a connection and drained whenever it fires.
struct EventLoopDescriptors: Sendable {
    let epollFD: Int32
    let wakeFD: Int32

    init() throws {
        epollFD = LinuxEvents.createEpoll(LinuxEvents.closeOnExec)
        guard epollFD >= 0 else {
            throw HTTPServerError.system("epoll_create1", errno: errno)
        }
        wakeFD = LinuxEvents.createEventFD(0, LinuxEvents.nonBlocking | LinuxEvents.closeOnExec)
        guard wakeFD >= 0 else {
            let code = errno
            Glibc.close(epollFD)
            throw HTTPServerError.system("eventfd", errno: code)
        }
        control(LinuxEvents.add, wakeFD, events: LinuxEvents.readable)
    }

    /// Wakes the loop from any thread.
    func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    /// Starts watching a new connection for readable data and the peer's FIN.
    func register(_ fd: Int32) {
        control(LinuxEvents.add, fd, events: LinuxEvents.readable | LinuxEvents.peerClosed)
    }

    /// Starts watching a descriptor that is not a connection (a hosted attachment's) for reading.
    func watchReadable(_ fd: Int32) {
        control(LinuxEvents.add, fd, events: LinuxEvents.readable)
    }

    /// Replaces the readiness a connection waits for.
    func modify(_ fd: Int32, reading: Bool, writing: Bool) {
        // RDHUP stays raised after the peer's FIN, so it is only watched while reading.
        var events: UInt32 = 0
        if reading {
            events |= LinuxEvents.readable | LinuxEvents.peerClosed
        }
        if writing {
            events |= LinuxEvents.writable
        }
        control(LinuxEvents.modify, fd, events: events)
    }

    /// Stops watching `fd`; call before closing it.
    func unregister(_ fd: Int32) {
        control(LinuxEvents.delete, fd, events: 0)
    }

    private func control(_ operation: Int32, _ fd: Int32, events: UInt32) {
        // Failures mean the fd is already gone; the connection notices on its next read.
        _ = LinuxEvents.control(epollFD, operation, fd, events: events)
    }

    /// Waits up to the timeout and reports each ready connection fd (readable, writable, failed).
    func wait(timeoutMilliseconds: Int32, _ report: (Int32, Bool, Bool, Bool) -> Void) {
        let capacity = 256
        withUnsafeTemporaryAllocation(byteCount: capacity * LinuxEvents.eventSize, alignment: 8) { raw in
            let count = LinuxEvents.wait(epollFD, raw.baseAddress, Int32(capacity), timeoutMilliseconds)
            guard count > 0, let events = raw.baseAddress else {
                return
            }
            for index in 0..<Int(count) {
                let flags = LinuxEvents.flags(in: events, at: index)
                let fd = LinuxEvents.descriptor(in: events, at: index)
                if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = Glibc.read(wakeFD, &value, 8)
                    continue
                }
                let failed = flags & (LinuxEvents.error | LinuxEvents.hangUp) != 0
                let readable = flags & (LinuxEvents.readable | LinuxEvents.peerClosed) != 0
                report(fd, readable, flags & LinuxEvents.writable != 0, failed)
            }
        }
    }

    /// Closes the epoll and eventfd descriptors; the loop must have exited.
    func closeDescriptors() {
        Glibc.close(wakeFD)
        Glibc.close(epollFD)
    }
}
