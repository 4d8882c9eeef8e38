import CoreMetrics
import NIOConcurrencyHelpers
import OtelHost

/// One metric's values since the last flush, ready to be written.
struct DrainedMetric: Sendable {
    /// The metric's name (its swift-metrics label).
    var name: String
    /// The CloudWatch unit.
    var unit: String
    /// The dimensions, in the order they were given.
    var dimensions: [(String, String)]
    /// The values: one for a counter or a gauge, each recorded value for a recorder or a timer.
    var values: [Double]
}

/// What identifies a series: its kind, label and dimensions.
struct SeriesKey: Hashable, Sendable {
    enum Kind: Hashable, Sendable { case counter, floatingCounter, meter, gauge, recorder, timer }
    var kind: Kind
    var label: String
    var dimensions: [String]

    init(_ kind: Kind, _ label: String, _ dimensions: [(String, String)]) {
        self.kind = kind
        self.label = label
        var flat: [String] = []
        flat.reserveCapacity(dimensions.count * 2)
        for (key, value) in dimensions {
            flat.append(key)
            flat.append(value)
        }
        self.dimensions = flat
    }
}

/// A series' storage; each handler is one, with a lock of its own so updates of different metrics never contend.
protocol MetricSeries: AnyObject, Sendable {
    var label: String { get }
    var dimensions: [(String, String)] { get }
    /// Whether it was updated since the last drain.
    var isUpdated: Bool { get }
    /// Its values since the last drain, or `nil` when it was not updated; resets what a drain resets.
    func drain() -> DrainedMetric?
}

/// A counter: the sum of its increments since the last flush, in `Count`.
final class CounterSeries: CounterHandler, FloatingPointCounterHandler, MetricSeries {
    let label: String
    let dimensions: [(String, String)]
    private struct State {
        var sum: Double = 0
        var updated = false
    }
    private let state = NIOLockedValueBox(State())

    init(label: String, dimensions: [(String, String)]) {
        self.label = label
        self.dimensions = dimensions
    }

    func increment(by amount: Int64) {
        state.withLockedValue { state in
            state.sum += Double(amount)
            state.updated = true
        }
    }

    func increment(by amount: Double) {
        guard amount.isFinite else { return }
        state.withLockedValue { state in
            state.sum += amount
            state.updated = true
        }
    }

    func reset() {
        state.withLockedValue { state in
            state.sum = 0
            state.updated = true
        }
    }

    var isUpdated: Bool { state.withLockedValue { $0.updated } }

    func drain() -> DrainedMetric? {
        let taken: Double? = state.withLockedValue { state in
            guard state.updated else { return nil }
            defer { state = State() }
            return state.sum
        }
        guard let taken else { return nil }
        return DrainedMetric(name: label, unit: "Count", dimensions: dimensions, values: [taken])
    }
}

/// A gauge (a swift-metrics `Meter`, or a `Recorder` that does not aggregate): its last value, written when it
/// was updated since the last flush. A meter keeps its value across flushes for `increment` and `decrement`.
final class GaugeSeries: MeterHandler, RecorderHandler, MetricSeries {
    let label: String
    let dimensions: [(String, String)]
    private struct State {
        var value: Double = 0
        var updated = false
    }
    private let state = NIOLockedValueBox(State())

    init(label: String, dimensions: [(String, String)]) {
        self.label = label
        self.dimensions = dimensions
    }

    private func update(_ change: (inout Double) -> Void) {
        state.withLockedValue { state in
            change(&state.value)
            state.updated = true
        }
    }

    func set(_ value: Int64) { update { $0 = Double(value) } }
    func set(_ value: Double) {
        guard value.isFinite else { return }
        update { $0 = value }
    }
    func increment(by amount: Double) {
        guard amount.isFinite else { return }
        update { $0 += amount }
    }
    func decrement(by amount: Double) {
        guard amount.isFinite else { return }
        update { $0 -= amount }
    }
    func record(_ value: Int64) { set(value) }
    func record(_ value: Double) { set(value) }

    var isUpdated: Bool { state.withLockedValue { $0.updated } }

    func drain() -> DrainedMetric? {
        let taken: Double? = state.withLockedValue { state in
            guard state.updated else { return nil }
            state.updated = false
            return state.value
        }
        guard let taken else { return nil }
        return DrainedMetric(name: label, unit: "None", dimensions: dimensions, values: [taken])
    }
}

/// A recorder that aggregates, or a timer: every value recorded since the last flush, up to
/// ``ValuesSeries/maxValues``; later values are counted as dropped.
final class ValuesSeries: RecorderHandler, TimerHandler, MetricSeries {
    /// The most values a series keeps between two flushes.
    static let maxValues = 1_000

    let label: String
    let dimensions: [(String, String)]
    private let isTimer: Bool
    private struct State {
        var values: [Double] = []
        var dropped = 0
        /// For a timer: nanoseconds per unit, and the unit's CloudWatch name.
        var scale: Double = 1_000_000
        var unit = "Milliseconds"
    }
    private let state: NIOLockedValueBox<State>

    init(label: String, dimensions: [(String, String)], isTimer: Bool) {
        self.label = label
        self.dimensions = dimensions
        self.isTimer = isTimer
        var initial = State()
        if !isTimer {
            initial.scale = 1
            initial.unit = "None"
        }
        state = NIOLockedValueBox(initial)
    }

    private func append(_ value: Double) {
        guard value.isFinite else { return }
        let firstDrop: Bool = state.withLockedValue { state in
            guard state.values.count < Self.maxValues else {
                state.dropped += 1
                return state.dropped == 1
            }
            state.values.append(value)
            return false
        }
        if firstDrop {
            Diagnostics.warnOnce(
                "emf-values",
                "metric \(label.truncatedForLog()) recorded more than \(Self.maxValues) values between two flushes; "
                    + "later values are dropped until the next flush")
        }
    }

    func record(_ value: Int64) { append(Double(value)) }
    func record(_ value: Double) { append(value) }
    func recordNanoseconds(_ duration: Int64) { append(Double(duration)) }

    func preferDisplayUnit(_ unit: TimeUnit) {
        guard isTimer else { return }
        let (scale, name): (Double, String)
        if unit == .nanoseconds || unit == .microseconds {
            (scale, name) = (1_000, "Microseconds")
        } else if unit == .milliseconds {
            (scale, name) = (1_000_000, "Milliseconds")
        } else {
            (scale, name) = (1_000_000_000, "Seconds")
        }
        state.withLockedValue { state in
            state.scale = scale
            state.unit = name
        }
    }

    var isUpdated: Bool { state.withLockedValue { !$0.values.isEmpty } }

    func drain() -> DrainedMetric? {
        let taken: (values: [Double], scale: Double, unit: String)? = state.withLockedValue { state in
            guard !state.values.isEmpty else { return nil }
            defer {
                state.values = []
                state.dropped = 0
            }
            return (state.values, state.scale, state.unit)
        }
        guard var taken else { return nil }
        if taken.scale != 1 {
            for i in taken.values.indices { taken.values[i] /= taken.scale }
        }
        return DrainedMetric(name: label, unit: taken.unit, dimensions: dimensions, values: taken.values)
    }
}

/// The series a factory made, found again by kind, label and dimensions: `Counter(label:)` made on every
/// invocation updates one series instead of growing a list.
final class SeriesStore: Sendable {
    /// The most series one store holds; metrics made beyond it are not written. With at most
    /// ``ValuesSeries/maxValues`` values each, what the store holds between two flushes stays under 8 MB.
    static let maxSeries = 1_000

    private struct State {
        var byKey: [SeriesKey: any MetricSeries] = [:]
        var order: [any MetricSeries] = []
        var retired: Set<ObjectIdentifier> = []
    }
    private let state = NIOLockedValueBox(State())

    /// The series for `key`, made with `make` the first time; `nil` when the store is full.
    func series<S: MetricSeries>(_ key: SeriesKey, make: () -> S) -> S? {
        let (found, full): (S?, Bool) = state.withLockedValue { state in
            if let existing = state.byKey[key] as? S {
                // Made again after a destroy: it stays.
                state.retired.remove(ObjectIdentifier(existing))
                return (existing, false)
            }
            guard state.order.count < Self.maxSeries else { return (nil, true) }
            let made = make()
            state.byKey[key] = made
            state.order.append(made)
            return (made, false)
        }
        if full {
            Diagnostics.warnOnce(
                "emf-series-full",
                "more than \(Self.maxSeries) metric series (label and dimension combinations); new ones are not written")
        }
        return found
    }

    /// Marks a series destroyed: its last values are written at the next flush, then it is forgotten.
    func retire(_ series: AnyObject) {
        state.withLockedValue { _ = $0.retired.insert(ObjectIdentifier(series)) }
    }

    /// Whether any series was updated since the last drain.
    var hasUpdates: Bool {
        let all = state.withLockedValue { $0.order }
        return all.contains { $0.isUpdated }
    }

    /// Every updated series' values, in the order the series were made; destroyed series are forgotten.
    func drain() -> [DrainedMetric] {
        let all: [any MetricSeries] = state.withLockedValue { state in
            let all = state.order
            if !state.retired.isEmpty {
                let retired = state.retired
                state.order.removeAll { retired.contains(ObjectIdentifier($0)) }
                state.byKey = state.byKey.filter { !retired.contains(ObjectIdentifier($0.value)) }
                state.retired = []
            }
            return all
        }
        var drained: [DrainedMetric] = []
        for series in all {
            if let metric = series.drain() { drained.append(metric) }
        }
        return drained
    }
}
