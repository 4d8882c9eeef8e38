import NIOConcurrencyHelpers

/// The Lambda span processor: sampled spans wait in a fixed-size ring buffer until a flush exports them all.
///
/// Ending a span only copies it into the buffer, under one lock. When the buffer is full the newest span is
/// dropped and counted (a warning at the first drop and every hundredth); the first span accepted after drops
/// logs how many were lost. ``forceFlush()`` drains the whole buffer into one `export` call, even when it is
/// empty, so an exporter's heartbeat (the named-pipe touch) happens on every flush.
public final class LambdaSpanProcessor: SpanProcessor {
    /// The queue size when neither the environment nor code sets one.
    public static let defaultQueueSize = 2048
    /// The environment variable that sets the queue size.
    public static let queueSizeVariable = "LAMBDA_SPAN_PROCESSOR_QUEUE_SIZE"

    private struct Ring {
        var slots: [FinishedSpan?]
        var head = 0
        var count = 0
        var dropped = 0
        var totalDropped = 0
        var isShutdown = false

        init(capacity: Int) {
            slots = Array(repeating: nil, count: capacity)
        }

        mutating func drain() -> [FinishedSpan] {
            var out: [FinishedSpan] = []
            out.reserveCapacity(count)
            let capacity = slots.count
            for i in 0..<count {
                let index = (head + i) % capacity
                if let span = slots[index] { out.append(span) }
                slots[index] = nil
            }
            head = 0
            count = 0
            return out
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

    /// Queues a sampled span; unsampled spans and spans after shutdown are dropped.
    public func onEnd(_ span: FinishedSpan) {
        guard span.context.isSampled else { return }
        enum Outcome { case queued, recovered(Int), dropped(Int), rejected }
        let outcome: Outcome = ring.withLockedValue { ring in
            if ring.isShutdown { return .rejected }
            let capacity = ring.slots.count
            guard ring.count < capacity else {
                ring.dropped += 1
                ring.totalDropped += 1
                return .dropped(ring.dropped)
            }
            ring.slots[(ring.head + ring.count) % capacity] = span
            ring.count += 1
            if ring.dropped > 0 {
                let lost = ring.dropped
                ring.dropped = 0
                return .recovered(lost)
            }
            return .queued
        }
        switch outcome {
        case .queued:
            break
        case .dropped(let n):
            if n == 1 || n % 100 == 0 {
                Diagnostics.warn(
                    "span buffer full (capacity \(capacity)): dropping new spans, dropped_spans=\(n); "
                        + "raise \(Self.queueSizeVariable) or flush more often")
            }
        case .recovered(let n):
            Diagnostics.warn("recovered from dropping spans: \(n) spans were dropped")
        case .rejected:
            Diagnostics.warnOnce("processor-shutdown", "span ended after the span processor shut down; it is dropped")
        }
    }

    /// How many spans are waiting in the buffer.
    public var queuedSpanCount: Int { ring.withLockedValue { $0.count } }

    /// How many spans were dropped because the buffer was full, since the processor was created.
    public var totalDroppedSpans: Int { ring.withLockedValue { $0.totalDropped } }

    /// Drains the buffer into one export call, even when the buffer is empty.
    public func forceFlush() async throws {
        let batch = ring.withLockedValue { $0.drain() }
        try await exporter.export(batch)
    }

    /// Stops accepting spans, flushes what is queued, and shuts the exporter down.
    public func shutdown() async throws {
        let alreadyShutdown = ring.withLockedValue { ring in
            defer { ring.isShutdown = true }
            return ring.isShutdown
        }
        guard !alreadyShutdown else { return }
        let batch = ring.withLockedValue { $0.drain() }
        do {
            try await exporter.export(batch)
            await exporter.shutdown()
        } catch {
            await exporter.shutdown()
            throw error
        }
    }
}
