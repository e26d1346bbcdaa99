/// Work that runs on another component's event-loop thread, beside that loop's own work.
///
/// The HTTP front's workers host one each, so an upstream transfer started by a request
/// runs on the thread that owns the request's connection and never hops threads. The host
/// watches `descriptor` for readability in its own poll set, and calls the methods below
/// only from its loop thread: `attach()` once before anything else, `run(isReadable:)`
/// after each of its rounds, and `detach()` once when its loop ends. An attachment that was
/// never attached may be detached from the thread that made it.
public protocol EventLoopAttachment: AnyObject, Sendable {
    /// A pollable descriptor that is readable whenever `run` has I/O to handle.
    var descriptor: Int32 { get }

    /// Binds the attachment to the calling thread, the host's loop thread.
    func attach()

    /// Does what is ready or due without blocking; `isReadable` says the host saw `descriptor`
    /// ready. Returns the milliseconds until the attachment next needs a run without
    /// readiness, nil for none; the host's next wait must not last longer.
    func run(isReadable: Bool) -> Int?

    /// Ends the attachment's work: the host's loop is exiting and will not call again.
    func detach()
}
