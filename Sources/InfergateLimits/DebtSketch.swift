/// A fixed-size memory of evicted buckets: for each key, an upper bound on when it would be full.
///
/// Shaped like a count-min sketch, but each cell keeps the latest "full at" instant (monotonic
/// nanoseconds) of any evicted key hashing to it, and a lookup takes the earliest over the rows.
/// A key's own record is in every row, so the estimate is never earlier than the truth: a key that
/// returns after eviction gets at most the tokens it really had. Collisions only make the estimate
/// later (stricter); instants in the past mean "no debt", so old records fade by themselves.
/// Confined to `LimiterState`, under the controller's mutex.
struct DebtSketch: Sendable {
    static let rows = 4
    static let columns = 8192

    private var cells: [UInt64]

    /// An empty sketch: 4 × 8192 cells, 256 KiB, allocated once.
    init() {
        cells = Array(repeating: 0, count: Self.rows * Self.columns)
    }

    /// Remembers that the key with `hash` will not be full before `fullAt`.
    mutating func record(hash: Int, fullAt: UInt64) {
        for row in 0..<Self.rows {
            let cell = Self.cell(hash: hash, row: row)
            cells[cell] = max(cells[cell], fullAt)
        }
    }

    /// The earliest instant the key with `hash` can be full, by what was recorded; 0 when unknown.
    func fullAt(hash: Int) -> UInt64 {
        var estimate = UInt64.max
        for row in 0..<Self.rows {
            estimate = min(estimate, cells[Self.cell(hash: hash, row: row)])
        }
        return estimate
    }

    /// The cell of `hash` in `row`: a multiply-shift of the hash with a per-row odd constant.
    private static func cell(hash: Int, row: Int) -> Int {
        let multipliers: (UInt64, UInt64, UInt64, UInt64) = (
            0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9, 0xD6E8_FEB8_6659_FD93
        )
        let multiplier: UInt64
        switch row {
        case 0: multiplier = multipliers.0
        case 1: multiplier = multipliers.1
        case 2: multiplier = multipliers.2
        default: multiplier = multipliers.3
        }
        let mixed = UInt64(bitPattern: Int64(hash)) &* multiplier
        return row * columns + Int(mixed >> 51)
    }
}
