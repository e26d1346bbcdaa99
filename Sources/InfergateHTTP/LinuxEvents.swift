import Glibc

/// The Linux epoll and eventfd calls, looked up in libc at start-up.
///
/// Swift's Glibc module does not export `<sys/epoll.h>` or `<sys/eventfd.h>`, and this module
/// may not add a C target, so the four functions come from `dlsym` and the constants and the
/// `struct epoll_event` layout (packed to 12 bytes on x86_64, 16 elsewhere) are spelled here.
// TODO: a two-line system-library shim including those headers would replace dlsym and the
// hand-written layout; it needs a Package.swift change, which belongs to the integrator.
struct LinuxEvents: Sendable {
    typealias CreateEpoll = @convention(c) (Int32) -> Int32
    typealias Control = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    typealias Wait = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
    typealias CreateEventFD = @convention(c) (UInt32, Int32) -> Int32

    static let readable: UInt32 = 0x001
    static let writable: UInt32 = 0x004
    static let error: UInt32 = 0x008
    static let hangUp: UInt32 = 0x010
    static let peerClosed: UInt32 = 0x2000
    static let add: Int32 = 1
    static let delete: Int32 = 2
    static let modify: Int32 = 3
    static let closeOnExec = Int32(O_CLOEXEC)
    static let nonBlocking = Int32(O_NONBLOCK)
    #if arch(x86_64)
        static let eventStride = 12
        static let dataOffset = 4
    #else
        static let eventStride = 16
        static let dataOffset = 8
    #endif

    static let shared = LinuxEvents()

    let createEpoll: CreateEpoll
    let control: Control
    let wait: Wait
    let createEventFD: CreateEventFD

    private init() {
        createEpoll = Self.lookUp("epoll_create1")
        control = Self.lookUp("epoll_ctl")
        wait = Self.lookUp("epoll_wait")
        createEventFD = Self.lookUp("eventfd")
    }

    /// The libc function `name` as a C function pointer; every Linux libc has these four.
    private static func lookUp<T>(_ name: String) -> T {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, name) else {
            preconditionFailure("libc lacks \(name)")
        }
        return unsafeBitCast(symbol, to: T.self)
    }
}
