import InfergateCore
import Synchronization
import Testing

@testable import InfergateLimits

/// A clock the test moves by hand; starts at an arbitrary non-zero instant.
final class ManualClock: TimeSource {
    // Guarded by the Mutex; the class is Sendable because its only state is the Mutex.
    private let nanoseconds = Mutex<UInt64>(1_000_000_000_000)

    var monotonicNanoseconds: UInt64 {
        nanoseconds.withLock { $0 }
    }

    var wallMicroseconds: Int64 {
        Int64(monotonicNanoseconds / 1000)
    }

    func advance(milliseconds: UInt64) {
        advance(nanoseconds: milliseconds * 1_000_000)
    }

    func advance(nanoseconds delta: UInt64) {
        nanoseconds.withLock { $0 += delta }
    }
}

/// A small deterministic generator so randomised tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

extension Result where Failure == AccessRefusal {
    /// The refusal, or nil when admitted.
    var refusal: AccessRefusal? {
        if case .failure(let refusal) = self {
            return refusal
        }
        return nil
    }

    /// The permit, or nil when refused.
    var permit: Success? {
        if case .success(let permit) = self {
            return permit
        }
        return nil
    }
}

func known(_ name: String) -> CallerIdentity {
    CallerIdentity(name: name, isKnown: true)
}

func unknown(_ address: String) -> CallerIdentity {
    CallerIdentity(name: "ip:" + address, isKnown: false)
}

/// Parses a CIDR the test knows to be valid, recording an issue instead of trapping if not.
func cidr(_ text: String) -> CIDR? {
    do {
        return try CIDR(text)
    } catch {
        Issue.record("bad test CIDR \(text): \(error)")
        return nil
    }
}
