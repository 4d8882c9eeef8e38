import Synchronization

/// What the telemetry of this process has done: spans written and dropped, bytes written, the cold start.
///
/// The counters only grow; a reader that wants what happened since its last look keeps the previous
/// ``Snapshot`` and subtracts. The span processors count the spans their buffers drop, exporters count what they
/// write (the otlp-stdout exporter does), and the invocation tracing records the cold start.
public final class TelemetryStatistics: Sendable {
    /// The process's counters.
    public static let process = TelemetryStatistics()

    private let exportedSpans = Atomic<Int>(0)
    private let droppedSpans = Atomic<Int>(0)
    private let exportedBytes = Atomic<Int>(0)
    private let coldStarts = Atomic<Int>(0)
    /// The init duration of the cold start, in nanoseconds; `-1` until it is known.
    private let initDuration = Atomic<Int64>(-1)

    /// Creates counters at zero; the process's are ``process``.
    public init() {}

    /// The counters at one moment.
    public struct Snapshot: Sendable, Hashable {
        /// Spans an exporter wrote.
        public var spansExported = 0
        /// Spans dropped: by a full buffer, or by an exporter that could not write them.
        public var spansDropped = 0
        /// Bytes of telemetry an exporter wrote.
        public var exportedBytes = 0
        /// Invocations that were the first of their execution environment (0 or 1).
        public var coldStarts = 0
        /// How long the execution environment's init took, from the cold start's init span; `nil` before the
        /// first invocation, and on Managed Instances.
        public var initDurationNanos: Int64?

        /// Creates a snapshot.
        public init() {}
    }

    /// Counts spans an exporter wrote, and the bytes of the lines that carried them.
    public func recordExported(spans: Int, bytes: Int) {
        exportedSpans.add(spans, ordering: .relaxed)
        exportedBytes.add(bytes, ordering: .relaxed)
    }

    /// Counts spans that were dropped.
    public func recordDropped(spans: Int) {
        droppedSpans.add(spans, ordering: .relaxed)
    }

    /// Records the cold start, with its init duration when it is known.
    func recordColdStart(initDurationNanos: Int64?) {
        coldStarts.add(1, ordering: .relaxed)
        if let initDurationNanos { initDuration.store(initDurationNanos, ordering: .relaxed) }
    }

    /// The counters now.
    public func snapshot() -> Snapshot {
        var snapshot = Snapshot()
        snapshot.spansExported = exportedSpans.load(ordering: .relaxed)
        snapshot.spansDropped = droppedSpans.load(ordering: .relaxed)
        snapshot.exportedBytes = exportedBytes.load(ordering: .relaxed)
        snapshot.coldStarts = coldStarts.load(ordering: .relaxed)
        let duration = initDuration.load(ordering: .relaxed)
        snapshot.initDurationNanos = duration >= 0 ? duration : nil
        return snapshot
    }
}
