import Synchronization

/// A flag that can be set once, from any thread.
final class ManagedAtomicFlag: Sendable {
    private let value = Atomic<Bool>(false)

    /// True for the first caller only.
    func setOnce() -> Bool {
        value.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }
}
