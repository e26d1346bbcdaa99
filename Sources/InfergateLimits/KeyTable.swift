/// A bounded LRU of limit state for dynamic keys: unknown callers and caller×route pairs.
///
/// Entries live in one array linked by indices (no per-entry allocation once the array has grown),
/// found through a dictionary. When full, the least recently used idle entry is evicted and its
/// debt recorded in a `DebtSketch`, so it cannot return with a full bucket. Entries holding
/// in-flight requests are never evicted (their permits point at them); if every candidate is busy
/// the table grows past its cap by one, bounded by the number of concurrent requests.
/// Confined to `LimiterState`, under the controller's mutex.
struct KeyTable: Sendable {
    /// The identity of a dynamic key; `route` is empty for a caller-wide entry.
    struct Key: Hashable, Sendable {
        var caller: String
        var route: String
    }

    /// One tracked key, its limit state, and its neighbours in the recency list (-1 for none).
    struct Entry: Sendable {
        var key: Key
        var level: LevelState
        var previous: Int32
        var next: Int32
    }

    let capacity: Int
    private(set) var entries: [Entry] = []
    private var slots: [Key: Int32] = [:]
    private var freeSlots: [Int32] = []
    private var head: Int32 = -1
    private var tail: Int32 = -1

    /// How many candidates from the LRU end eviction inspects before giving up and growing.
    private static let evictionProbes = 8

    /// An empty table holding at most `capacity` keys (raised to 16 so eviction never meets the
    /// entry being admitted); storage grows on demand, not up front.
    init(capacity: Int) {
        self.capacity = max(16, capacity)
    }

    /// Keys currently tracked.
    var count: Int {
        slots.count
    }

    /// The slot of `key`, moved to most recently used; nil when not tracked.
    mutating func touch(_ key: Key) -> Int32? {
        guard let slot = slots[key] else {
            return nil
        }
        moveToFront(slot)
        return slot
    }

    /// Tracks `key` with `level`, evicting an idle entry when full; returns the new slot.
    mutating func insert(_ key: Key, level: LevelState, sketch: inout DebtSketch) -> Int32 {
        if slots.count >= capacity {
            evictOne(sketch: &sketch)
        }
        let entry = Entry(key: key, level: level, previous: -1, next: -1)
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            entries[Int(reused)] = entry
        } else {
            slot = Int32(entries.count)
            entries.append(entry)
        }
        slots[key] = slot
        linkAtFront(slot)
        return slot
    }

    /// Runs `body` on the level stored at `slot`, in place.
    mutating func withLevel<Result>(at slot: Int32, _ body: (inout LevelState) -> Result) -> Result {
        body(&entries[Int(slot)].level)
    }

    /// The key stored at `slot`.
    func key(at slot: Int32) -> Key {
        entries[Int(slot)].key
    }

    private mutating func evictOne(sketch: inout DebtSketch) {
        for _ in 0..<Self.evictionProbes {
            let victim = tail
            guard victim >= 0 else {
                return
            }
            let entry = entries[Int(victim)]
            guard entry.level.inFlight == 0 else {
                moveToFront(victim)
                continue
            }
            if let bucket = entry.level.bucket, bucket.levelUnits < bucket.capacityUnits {
                sketch.record(
                    hash: entry.key.hashValue,
                    fullAt: bucket.updatedNanoseconds + bucket.nanosecondsUntilFull
                )
            }
            unlink(victim)
            slots[entry.key] = nil
            entries[Int(victim)].key = Key(caller: "", route: "")
            freeSlots.append(victim)
            return
        }
    }

    private mutating func moveToFront(_ slot: Int32) {
        guard slot != head else {
            return
        }
        unlink(slot)
        linkAtFront(slot)
    }

    private mutating func linkAtFront(_ slot: Int32) {
        entries[Int(slot)].previous = -1
        entries[Int(slot)].next = head
        if head >= 0 {
            entries[Int(head)].previous = slot
        }
        head = slot
        if tail < 0 {
            tail = slot
        }
    }

    private mutating func unlink(_ slot: Int32) {
        let previous = entries[Int(slot)].previous
        let next = entries[Int(slot)].next
        if previous >= 0 {
            entries[Int(previous)].next = next
        } else {
            head = next
        }
        if next >= 0 {
            entries[Int(next)].previous = previous
        } else {
            tail = previous
        }
        entries[Int(slot)].previous = -1
        entries[Int(slot)].next = -1
    }
}

/// The mutable limit state of one level: its bucket (if it has a rate) and its in-flight count.
struct LevelState: Sendable {
    var bucket: TokenBucket?
    var inFlight: Int32 = 0
}
