import Synchronization

/// Counters and latency histograms, rendered in the Prometheus text format.
///
/// Labels are always bounded values (route names, status codes, error codes), never raw
/// paths. All state sits behind one mutex; an update is a dictionary lookup and an add.
/// Gauges whose value lives elsewhere (token validity, circuit state, in-flight requests)
/// are rendered by the gateway from their owners, not stored here.
public final class MetricsRegistry: Sendable {
    /// Upper bounds of the latency histogram buckets, in seconds.
    public static let latencyBuckets: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ]

    private struct Key: Hashable {
        var name: String
        var labels: [String]
    }

    private struct Histogram {
        var counts: [UInt64] = Array(repeating: 0, count: MetricsRegistry.latencyBuckets.count)
        var sum: Double = 0
        var count: UInt64 = 0
    }

    private struct State {
        var help: [String: (type: String, text: String, labelNames: [String])] = [:]
        var counters: [Key: Double] = [:]
        var histograms: [Key: Histogram] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Declares a metric so it renders with HELP and TYPE lines even before its first sample.
    public func describe(_ name: String, type: String, help: String, labels: [String]) {
        state.withLock { $0.help[name] = (type, help, labels) }
    }

    public func increment(_ name: String, labels: [String] = []) {
        state.withLock { $0.counters[Key(name: name, labels: labels), default: 0] += 1 }
    }

    /// Counts one sample of `counter` and observes `seconds` in `histogram` under one lock,
    /// the per-request pair on the hot path.
    public func countAndObserve(
        counter: String,
        labels: [String],
        histogram: String,
        histogramLabels: [String],
        seconds: Double
    ) {
        state.withLock { state in
            state.counters[Key(name: counter, labels: labels), default: 0] += 1
            Self.observe(in: &state, Key(name: histogram, labels: histogramLabels), seconds: seconds)
        }
    }

    private static func observe(in state: inout State, _ key: Key, seconds: Double) {
        let bucket = latencyBuckets.firstIndex { seconds <= $0 }
        // Modify in place: copying the histogram out and back would copy its bucket array.
        if state.histograms[key] == nil {
            state.histograms[key] = Histogram()
        }
        if let bucket {
            state.histograms[key]!.counts[bucket] += 1
        }
        state.histograms[key]!.sum += seconds
        state.histograms[key]!.count += 1
    }

    /// The whole registry in the Prometheus text exposition format (version 0.0.4).
    public func render() -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        for name in snapshot.help.keys.sorted() {
            guard let help = snapshot.help[name] else {
                continue
            }
            out += "# HELP \(name) \(help.text)\n# TYPE \(name) \(help.type)\n"
            let labelNames = help.labelNames
            for (key, value) in Self.samples(snapshot.counters, named: name) {
                out += "\(name)\(Self.labelText(labelNames, key.labels)) \(Self.number(value))\n"
            }
            for (key, histogram) in Self.samples(snapshot.histograms, named: name) {
                out += Self.histogramText(name, labelNames, key.labels, histogram)
            }
        }
        return out
    }

    private static func samples<Value>(_ all: [Key: Value], named name: String) -> [(key: Key, value: Value)] {
        all.filter { $0.key.name == name }.sorted { $0.key.labels.lexicographicallyPrecedes($1.key.labels) }
    }

    private static func histogramText(
        _ name: String,
        _ names: [String],
        _ values: [String],
        _ histogram: Histogram
    ) -> String {
        var out = ""
        var cumulative: UInt64 = 0
        for (index, bound) in latencyBuckets.enumerated() {
            cumulative += histogram.counts[index]
            let labels = labelText(names + ["le"], values + [number(bound)])
            out += "\(name)_bucket\(labels) \(cumulative)\n"
        }
        out += "\(name)_bucket\(labelText(names + ["le"], values + ["+Inf"])) \(histogram.count)\n"
        out += "\(name)_sum\(labelText(names, values)) \(number(histogram.sum))\n"
        out += "\(name)_count\(labelText(names, values)) \(histogram.count)\n"
        return out
    }

    /// `{a="x",b="y"}` with values escaped per the exposition format, or nothing without labels.
    static func labelText(_ names: [String], _ values: [String]) -> String {
        guard !names.isEmpty else {
            return ""
        }
        let pairs = zip(names, values).map { name, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(name)=\"\(escaped)\""
        }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return String(value)
    }
}
