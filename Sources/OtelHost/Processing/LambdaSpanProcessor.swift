import NIOConcurrencyHelpers
import Tracing
import W3CTraceContext

/// The Lambda span processor: sampled spans wait in a fixed-size ring buffer until a flush exports them all.
///
/// Ending a span only copies it into the buffer, under one lock. When the buffer is full the newest span is
/// dropped and counted, except that an invocation span is never dropped for a child span: it takes the slot of
/// the newest queued child instead (only a buffer holding nothing but invocation spans drops one). Each
/// invocation span carries `lambda_otel_lite.dropped_spans`, the number of spans of its trace that were dropped,
/// when there were any, and the flush that exports it logs one warning with the count. ``forceFlush()`` drains
/// the whole buffer into one `export` call, even when it is empty, so an exporter's heartbeat (the named-pipe
/// touch) happens on every flush.
public final class LambdaSpanProcessor: SpanProcessor {
    /// The queue size when neither the environment nor code sets one.
    public static let defaultQueueSize = 2048
    /// The environment variable that sets the queue size.
    public static let queueSizeVariable = "LAMBDA_SPAN_PROCESSOR_QUEUE_SIZE"
    /// The invocation span attribute that counts the spans of its trace dropped because the buffer was full.
    public static let droppedSpansAttribute = "lambda_otel_lite.dropped_spans"

    /// Drop counts of traces whose invocation span has not ended yet; a few entries, so memory stays bounded.
    private static let pendingDropTraces = 16
    /// How many of the newest queued spans are searched for the invocation span of a dropped child.
    private static let searchedForInvocation = 16

    /// The queued spans, oldest first: a bounded array that grows as spans arrive, so a processor costs nothing
    /// up front whatever its capacity, and a flush hands the array to the exporter without copying it.
    private struct Ring {
        let capacity: Int
        var slots: [FinishedSpan] = []
        /// Spans dropped since the last flush.
        var droppedSinceFlush = 0
        var totalDropped = 0
        var isShutdown = false
        /// Spans dropped per trace, until that trace's invocation span ends or is found in the buffer.
        var pendingDrops: [(trace: TraceID, count: Int)] = []

        init(capacity: Int) {
            self.capacity = capacity
        }

        var count: Int { slots.count }
        var isFull: Bool { slots.count >= capacity }

        mutating func append(_ span: FinishedSpan) {
            slots.append(span)
        }

        /// Removes the newest queued span that is not an invocation span; returns it. The others keep the order
        /// in which they ended.
        mutating func evictNewestChild() -> FinishedSpan? {
            guard let position = slots.lastIndex(where: { !$0.isInvocationSpan }) else { return nil }
            return slots.remove(at: position)
        }

        /// Counts a dropped span against its trace: on its invocation span if it is among the newest queued spans,
        /// else until the invocation span ends.
        mutating func recordDrop(of span: FinishedSpan) {
            droppedSinceFlush += 1
            totalDropped += 1
            TelemetryStatistics.process.recordDropped(spans: 1)
            let trace = span.context.traceID
            // Only the newest spans are searched, so a flood of drops stays cheap; a child outliving its
            // invocation span ends soon after it.
            for i in stride(from: slots.count - 1, through: max(0, slots.count - LambdaSpanProcessor.searchedForInvocation), by: -1) {
                guard slots[i].isInvocationSpan, slots[i].context.traceID == trace else { continue }
                var before: Int64 = 0
                if case .int64(let n)? = slots[i].attributeList.get(LambdaSpanProcessor.droppedSpansAttribute) { before = n }
                slots[i].attributeList.set(LambdaSpanProcessor.droppedSpansAttribute, .int64(before + 1))
                return
            }
            if let at = pendingDrops.firstIndex(where: { $0.trace == trace }) {
                pendingDrops[at].count += 1
            } else {
                if pendingDrops.count >= LambdaSpanProcessor.pendingDropTraces { pendingDrops.removeFirst() }
                pendingDrops.append((trace, 1))
            }
        }

        /// The drops counted for `trace` so far; forgets them.
        mutating func takeDrops(of trace: TraceID) -> Int {
            guard let at = pendingDrops.firstIndex(where: { $0.trace == trace }) else { return 0 }
            return pendingDrops.remove(at: at).count
        }

        mutating func drain() -> (spans: [FinishedSpan], dropped: Int) {
            let out = slots
            slots = []
            defer { droppedSinceFlush = 0 }
            return (out, droppedSinceFlush)
        }
    }

    private let ring: NIOLockedValueBox<Ring>
    private let exporter: any SpanExporter
    /// How many spans the buffer holds at most.
    public let capacity: Int

    /// Creates the processor.
    ///
    /// - Parameters:
    ///   - exporter: Where flushed spans go.
    ///   - maxQueueSize: The buffer capacity from code; `LAMBDA_SPAN_PROCESSOR_QUEUE_SIZE` wins over it, and 2048
    ///     is the default. Zero, negative or unparsable values log a warning and fall back.
    ///   - environment: The environment to read.
    public init(exporter: any SpanExporter, maxQueueSize: Int? = nil, environment: OtelEnvironment = .process()) {
        let capacity = environment.resolveInt(
            Self.queueSizeVariable, code: maxQueueSize, default: Self.defaultQueueSize, isValid: { $0 > 0 })
        self.capacity = capacity
        self.exporter = exporter
        ring = NIOLockedValueBox(Ring(capacity: capacity))
    }

    /// Queues a sampled span; unsampled spans and spans after shutdown are dropped. When the buffer is full, an
    /// invocation span replaces the newest queued child span; any other span is dropped. Drops are logged by the
    /// next flush.
    public func onEnd(_ span: FinishedSpan) {
        guard span.context.isSampled else { return }
        let rejected: Bool = ring.withLockedValue { ring in
            if ring.isShutdown { return true }
            var span = span
            if span.isInvocationSpan {
                if ring.isFull {
                    if let evicted = ring.evictNewestChild() {
                        ring.recordDrop(of: evicted)
                    } else {
                        ring.recordDrop(of: span)
                        return false
                    }
                }
                let dropped = ring.takeDrops(of: span.context.traceID)
                if dropped > 0 {
                    span.attributeList.set(Self.droppedSpansAttribute, .int64(Int64(dropped)))
                }
            } else if ring.isFull {
                ring.recordDrop(of: span)
                return false
            }
            ring.append(span)
            return false
        }
        if rejected {
            Diagnostics.warnOnce("processor-shutdown", "span ended after the span processor shut down; it is dropped")
        }
    }

    /// How many spans are waiting in the buffer.
    public var queuedSpanCount: Int { ring.withLockedValue { $0.count } }

    /// How many spans were dropped because the buffer was full, since the processor was created.
    public var totalDroppedSpans: Int { ring.withLockedValue { $0.totalDropped } }

    /// Drains the buffer into one export call, even when the buffer is empty; logs one warning when spans were
    /// dropped since the last flush.
    public func forceFlush() async throws {
        let batch = drainAndReport()
        try await exporter.export(batch)
    }

    /// Whether its exporter honours the deadline: a flush drains the buffer and makes one export.
    public var honoursExportDeadline: Bool { exporter.honoursExportDeadline }

    private func drainAndReport() -> [FinishedSpan] {
        let (batch, dropped, total) = ring.withLockedValue { ring in
            let (spans, dropped) = ring.drain()
            return (spans, dropped, ring.totalDropped)
        }
        if dropped > 0 {
            Diagnostics.warn(
                "span buffer full (capacity \(capacity)): dropped_spans=\(dropped) since the last flush "
                    + "(\(total) in all); raise \(Self.queueSizeVariable) or flush more often")
        }
        return batch
    }

    /// Stops accepting spans, flushes what is queued, and shuts the exporter down.
    public func shutdown() async throws {
        let alreadyShutdown = ring.withLockedValue { ring in
            defer { ring.isShutdown = true }
            return ring.isShutdown
        }
        guard !alreadyShutdown else { return }
        let batch = drainAndReport()
        do {
            try await exporter.export(batch)
            await exporter.shutdown()
        } catch {
            await exporter.shutdown()
            throw error
        }
    }
}
