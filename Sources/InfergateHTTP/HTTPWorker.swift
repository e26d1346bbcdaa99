import Dispatch
import Foundation

/// One serial queue and the connections it owns, plus a sweep timer that enforces their timeouts.
///
/// `connections` and `scratch` are confined to `queue`. A server runs one worker per core, so
/// thousands of connections share a bounded number of threads.
final class HTTPWorker: @unchecked Sendable {  // connections and scratch confined to queue
    private static let key = DispatchSpecificKey<ObjectIdentifier>()

    let queue: DispatchQueue
    let scratch: UnsafeMutableRawBufferPointer
    private var connections: [ObjectIdentifier: HTTPConnection] = [:]
    private var timer: DispatchSourceTimer?
    private let context: HTTPServerContext

    init(index: Int, context: HTTPServerContext) {
        queue = DispatchQueue(label: "infergate.http.worker.\(index)")
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        self.context = context
        queue.setSpecific(key: Self.key, value: ObjectIdentifier(self))
    }

    deinit {
        scratch.deallocate()
    }

    /// True when the caller runs on this worker's queue.
    var isCurrent: Bool { DispatchQueue.getSpecific(key: Self.key) == ObjectIdentifier(self) }

    /// Number of connections owned; read on `queue`.
    var connectionCount: Int { connections.count }

    /// Starts the sweep timer that applies head, body and keep-alive timeouts.
    func startSweeping() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = DispatchTimeInterval.milliseconds(context.sweepIntervalMilliseconds)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: interval)
        timer.setEventHandler { [unowned self] in
            let now = context.time.monotonicNanoseconds
            for connection in Array(connections.values) {
                connection.checkDeadline(nowNanos: now)
            }
        }
        self.timer = timer
        timer.resume()
    }

    /// Takes ownership of an accepted socket and starts serving it; call from any thread.
    func adopt(fd: Int32, address: String, port: Int) {
        queue.async { [self] in
            let connection = HTTPConnection(
                fd: fd,
                remoteAddress: address,
                remotePort: port,
                worker: self,
                context: context
            )
            connections[ObjectIdentifier(connection)] = connection
            connection.start()
        }
    }

    /// Drops a closed connection; called by the connection on `queue`.
    func remove(_ connection: HTTPConnection) {
        connections.removeValue(forKey: ObjectIdentifier(connection))
    }

    /// Asks every connection to finish its answers and close; runs on `queue`.
    func drain() {
        for connection in Array(connections.values) {
            connection.beginDrain()
        }
    }

    /// Closes every connection now and stops the timer; runs on `queue`.
    func closeAll() {
        for connection in Array(connections.values) {
            connection.close(reset: false)
        }
        timer?.cancel()
        timer = nil
    }
}
