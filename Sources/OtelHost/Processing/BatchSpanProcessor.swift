import NIOConcurrencyHelpers

/// Exports spans in batches, when a batch is full or on a timer: the processor to pair with `finalize` mode.
///
/// Spans wait in a bounded queue (new spans are dropped and counted when it is full). A batch of
/// `maxExportBatchSize` spans is exported as soon as it is ready, and whatever is queued is exported every
/// `scheduledDelay`, by the processor's ``run()`` — background work the telemetry service runs as a child task,
/// never on the caller's task. ``forceFlush()`` exports everything and waits; ``shutdown()`` flushes and shuts the
/// exporter down.
public final class BatchSpanProcessor: SpanProcessor {
    private struct State {
        var queue: [FinishedSpan] = []
        var dropped = 0
        var exportScheduled = false
        var isShutdown = false
    }

    private let exporter: any SpanExporter
    private let state = NIOLockedValueBox(State())
    /// Full batches, signalled to ``run()``; at most one signal waits.
    private let batchesReady: AsyncStream<Void>
    private let batchReady: AsyncStream<Void>.Continuation
    /// The queue capacity.
    public let maxQueueSize: Int
    /// The largest batch handed to the exporter.
    public let maxExportBatchSize: Int
    /// The time between scheduled exports.
    public let scheduledDelay: Duration

    /// Creates the processor; its timer runs in ``run()``.
    ///
    /// - Parameters:
    ///   - exporter: Where batches go.
    ///   - maxQueueSize: The queue capacity (default 2048).
    ///   - maxExportBatchSize: The largest batch (default 512).
    ///   - scheduledDelay: The time between scheduled exports (default 1 s, at least 1 ms).
    public init(
        exporter: any SpanExporter, maxQueueSize: Int = 2048, maxExportBatchSize: Int = 512,
        scheduledDelay: Duration = .seconds(1)
    ) {
        self.exporter = exporter
        self.maxQueueSize = max(1, maxQueueSize)
        self.maxExportBatchSize = max(1, min(maxExportBatchSize, self.maxQueueSize))
        self.scheduledDelay = max(.milliseconds(1), scheduledDelay)
        (batchesReady, batchReady) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Exports a full batch as soon as it is ready, and whatever is queued every `scheduledDelay`, until the task
    /// is cancelled.
    public func run() async {
        let batches = batchesReady
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in batches {
                    if Task.isCancelled { return }
                    await self.exportQueued()
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: self.scheduledDelay)
                    } catch {
                        return
                    }
                    await self.exportQueued()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Queues a sampled span; a full batch starts an export.
    public func onEnd(_ span: FinishedSpan) {
        guard span.context.isSampled else { return }
        let (startExport, droppedCount): (Bool, Int) = state.withLockedValue { state in
            guard !state.isShutdown else { return (false, 0) }
            guard state.queue.count < maxQueueSize else {
                state.dropped += 1
                TelemetryStatistics.process.recordDropped(spans: 1)
                return (false, state.dropped)
            }
            state.queue.append(span)
            if state.queue.count >= maxExportBatchSize && !state.exportScheduled {
                state.exportScheduled = true
                return (true, 0)
            }
            return (false, 0)
        }
        if droppedCount == 1 || (droppedCount > 0 && droppedCount % 100 == 0) {
            Diagnostics.warn("batch span processor queue full (\(maxQueueSize)): dropped_spans=\(droppedCount)")
        }
        if startExport {
            batchReady.yield()
        }
    }

    /// Spans waiting in the queue.
    public var queuedSpanCount: Int { state.withLockedValue { $0.queue.count } }

    private func takeBatches() -> [[FinishedSpan]] {
        let spans = state.withLockedValue { state -> [FinishedSpan] in
            state.exportScheduled = false
            defer { state.queue.removeAll(keepingCapacity: true) }
            return state.queue
        }
        return stride(from: 0, to: spans.count, by: maxExportBatchSize).map {
            Array(spans[$0..<min($0 + maxExportBatchSize, spans.count)])
        }
    }

    private func exportQueued() async {
        for batch in takeBatches() {
            do { try await exporter.export(batch) } catch { Diagnostics.warn("batch export failed: \(error)") }
        }
    }

    /// Exports everything queued and waits for the exports.
    public func forceFlush() async throws {
        var firstError: (any Error)?
        for batch in takeBatches() {
            do { try await exporter.export(batch) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    /// Flushes and shuts the exporter down; ``run()`` stops.
    public func shutdown() async throws {
        let already = state.withLockedValue { state -> Bool in
            defer { state.isShutdown = true }
            return state.isShutdown
        }
        guard !already else { return }
        batchReady.finish()
        do {
            try await forceFlush()
        } catch {
            await exporter.shutdown()
            throw error
        }
        await exporter.shutdown()
    }
}
