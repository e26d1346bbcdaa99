import Dispatch
import Glibc
import InfergateCore
import Synchronization

/// The single writer behind `AuditLog`: a bounded queue of rows and the one write connection.
///
/// Callers append to `shared` (a `Mutex`); everything else — the connection, its statements,
/// the chain tail, the recovery backoff — is confined to the serial `queue`. The writer drains
/// up to `maxBatchRows` rows into one transaction, then resumes every waiter of that batch.
final class AuditWriter: @unchecked Sendable {
    // @unchecked: `shared` is guarded by its Mutex; the `var`s below are touched only on `queue`.
    let configuration: AuditConfiguration
    let logger: Logger
    let timeSource: any TimeSource
    let queue = DispatchQueue(label: "infergate.audit.writer")
    let shared: Mutex<SharedState>

    var database: WriterDatabase?
    var recoveryDelayMilliseconds = AuditWriter.initialRecoveryDelayMilliseconds
    var isRecoveryScheduled = false

    static let initialRecoveryDelayMilliseconds = 50
    static let maximumRecoveryDelayMilliseconds = 5_000

    /// What a caller's wait ends with.
    enum Outcome: Sendable {
        case committed
        case queued
        case retry
        case failed(AuditError)
    }

    /// A row waiting for the writer, with the caller to resume after commit (durable mode only).
    struct PendingRow: Sendable {
        var row: AuditStoredRow
        var waiter: CheckedContinuation<Outcome, Never>?
    }

    /// State shared between callers and the writer, guarded by `shared`.
    struct SharedState: Sendable {
        var pending: [PendingRow] = []
        var inFlight = 0
        var spaceWaiters: [CheckedContinuation<Outcome, Never>] = []
        var isWritable = false
        var lastError: String?
        var committedRows: Int64 = 0
        var committedTransactions: Int64 = 0
        var isDrainScheduled = false
        var isFlushTimerArmed = false
        var isClosed = false
    }

    /// A writer with nothing open yet; `AuditLog.init` opens the database on `queue`.
    init(configuration: AuditConfiguration, logger: Logger, timeSource: any TimeSource) {
        self.configuration = configuration
        self.logger = logger
        self.timeSource = timeSource
        self.shared = Mutex(SharedState())
    }

    var isDurable: Bool {
        configuration.durability == .durable
    }

    /// Queues `row` and waits as the durability mode says; throws when unavailable or full.
    func submit(_ row: AuditStoredRow) async throws(AuditError) {
        while true {
            let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                if let immediate = admit(row, continuation: continuation) {
                    continuation.resume(returning: immediate)
                }
            }
            switch outcome {
            case .committed, .queued:
                return
            case .retry:
                continue
            case .failed(let error):
                throw error
            }
        }
    }

    /// Adds `row` to the queue or parks `continuation`; returns the outcome when known at once.
    private func admit(_ row: AuditStoredRow, continuation: CheckedContinuation<Outcome, Never>) -> Outcome? {
        var overflow = OverflowPolicy.block
        var flushMilliseconds = 0
        if case .buffered(let interval, let policy) = configuration.durability {
            overflow = policy
            flushMilliseconds = interval
        }
        let (outcome, schedule) = shared.withLock { state -> (Outcome?, Schedule) in
            if state.isClosed {
                return (.failed(AuditError(code: AuditError.unavailable, message: "audit log is closed")), .none)
            }
            guard state.isWritable else {
                let message = "audit log cannot write: " + (state.lastError ?? "not open")
                return (.failed(AuditError(code: AuditError.unavailable, message: message)), .none)
            }
            guard state.pending.count + state.inFlight < max(1, configuration.queueCapacity) else {
                if overflow == .refuse {
                    let message = "audit queue holds \(configuration.queueCapacity) rows"
                    return (.failed(AuditError(code: AuditError.queueFull, message: message)), state.scheduleDrainNow())
                }
                state.spaceWaiters.append(continuation)
                return (nil, state.scheduleDrainNow())
            }
            state.pending.append(PendingRow(row: row, waiter: isDurable ? continuation : nil))
            if isDurable {
                return (nil, state.scheduleDrainNow())
            }
            if state.pending.count >= configuration.maxBatchRows {
                return (.queued, state.scheduleDrainNow())
            }
            guard !state.isFlushTimerArmed else {
                return (.queued, .none)
            }
            state.isFlushTimerArmed = true
            return (.queued, .flushLater(milliseconds: flushMilliseconds))
        }
        switch schedule {
        case .none:
            break
        case .drainNow:
            queue.async { self.drain() }
        case .flushLater(let milliseconds):
            queue.asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { self.flushTimerFired() }
        }
        return outcome
    }

    /// What `admit` asks the writer queue to do.
    enum Schedule {
        case none
        case drainNow
        case flushLater(milliseconds: Int)
    }

    private func flushTimerFired() {
        shared.withLock { $0.isFlushTimerArmed = false }
        drain()
    }

    /// A snapshot for `AuditLog.health`.
    var health: AuditHealth {
        shared.withLock { state in
            AuditHealth(
                isWritable: state.isWritable && !state.isClosed,
                lastError: state.lastError,
                pendingRows: state.pending.count + state.inFlight,
                committedRows: state.committedRows,
                committedTransactions: state.committedTransactions
            )
        }
    }
}

extension AuditWriter.SharedState {
    /// Marks a drain as scheduled, returning `.drainNow` only for the first caller.
    mutating func scheduleDrainNow() -> AuditWriter.Schedule {
        guard !isDrainScheduled else {
            return .none
        }
        isDrainScheduled = true
        return .drainNow
    }
}
