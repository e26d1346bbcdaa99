import Glibc

/// Converts between UTC microseconds and the times people type: ISO-8601 or `15m`-style ages.
enum AuditTime {
    /// `micros` as `2026-12-03T13:14:40.123456Z`.
    static func iso(_ micros: Int64) -> String {
        var seconds = time_t(micros.floorDivided(by: 1_000_000))
        let fraction = Int(micros - Int64(seconds) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let date = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
        let time = "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
        return "\(date)T\(time).\(pad(Int32(fraction), 6))Z"
    }

    /// Parses `2026-12-03T13:00:00Z` (fraction optional, `Z` or `+00:00`), `2026-12-03`, or an age
    /// such as `90s`, `15m`, `2h`, `7d` counted back from `nowMicros`; nil when unreadable.
    static func parse(_ text: String, nowMicros: Int64) -> Int64? {
        if let unit = text.last, let amount = Int64(text.dropLast()), amount >= 0 {
            let unitMicros: Int64? =
                switch unit {
                case "s": 1_000_000
                case "m": 60_000_000
                case "h": 3_600_000_000
                case "d": 86_400_000_000
                default: nil
                }
            if let unitMicros {
                return nowMicros - amount * unitMicros
            }
        }
        return parseISO(text)
    }

    private static func parseISO(_ text: String) -> Int64? {
        var body = Substring(text)
        if body.hasSuffix("Z") {
            body = body.dropLast()
        } else if body.hasSuffix("+00:00") {
            body = body.dropLast(6)
        }
        let halves = body.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        let dateParts = halves[0].split(separator: "-").compactMap { Int32($0) }
        guard dateParts.count == 3 else {
            return nil
        }
        var parts = tm()
        parts.tm_year = dateParts[0] - 1900
        parts.tm_mon = dateParts[1] - 1
        parts.tm_mday = dateParts[2]
        var fractionMicros: Int64 = 0
        if halves.count == 2 {
            let secondsAndFraction = halves[1].split(separator: ".", maxSplits: 1)
            let timeParts = secondsAndFraction[0].split(separator: ":").compactMap { Int32($0) }
            guard timeParts.count == 3 || timeParts.count == 2 else {
                return nil
            }
            parts.tm_hour = timeParts[0]
            parts.tm_min = timeParts[1]
            parts.tm_sec = timeParts.count == 3 ? timeParts[2] : 0
            if secondsAndFraction.count == 2 {
                let digits = String(secondsAndFraction[1].prefix(6))
                guard let value = Int64(digits) else {
                    return nil
                }
                fractionMicros = value * Int64(pow(10, Double(6 - digits.count)))
            }
        }
        let seconds = timegm(&parts)
        return Int64(seconds) * 1_000_000 + fractionMicros
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
