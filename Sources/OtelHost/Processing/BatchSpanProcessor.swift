import NIOConcurrencyHelpers

/// Exports spans in batches, when a batch is full or on a timer: the processor to pair with `finalize` mode.
///
/// Spans wait in a bounded queue (new spans are dropped and counted when it is full). A batch of
/// `maxExportBatchSize` spans is exported as soon as it is ready, and whatever is queued is exported every
/// `scheduledDelayMs`. Exports run off the caller's task. ``forceFlush()`` exports everything and
/// waits; ``shutdown()`` flushes and shuts the exporter down.
public final class BatchSpanProcessor: SpanProcessor {
    private struct State {
        var queue: [FinishedSpan] = []
        var dropped = 0
        var exportScheduled = false
        var isShutdown = false
    }

    private let exporter: any SpanExporter
    private let state = NIOLockedValueBox(State())
    private let timer: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)
    /// The queue capacity.
    public let maxQueueSize: Int
    /// The largest batch handed to the exporter.
    public let maxExportBatchSize: Int
    /// The time between scheduled exports.
    public let scheduledDelayMs: UInt64

    /// Creates the processor and starts its timer.
    ///
    /// - Parameters:
    ///   - exporter: Where batches go.
    ///   - maxQueueSize: The queue capacity (default 2048).
    ///   - maxExportBatchSize: The largest batch (default 512).
    ///   - scheduledDelayMs: The time between scheduled exports (default 1000 ms).
    public init(
        exporter: any SpanExporter, maxQueueSize: Int = 2048, maxExportBatchSize: Int = 512,
        scheduledDelayMs: UInt64 = 1000
    ) {
        self.exporter = exporter
        self.maxQueueSize = max(1, maxQueueSize)
        self.maxExportBatchSize = max(1, min(maxExportBatchSize, self.maxQueueSize))
        self.scheduledDelayMs = max(1, scheduledDelayMs)
        let delay = self.scheduledDelayMs
        let task = Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: delay * 1_000_000)
                guard let self else { return }
                await self.exportQueued()
            }
        }
        timer.withLockedValue { $0 = task }
    }

    deinit {
        timer.withLockedValue { $0?.cancel() }
    }

    /// Queues a sampled span; a full batch starts an export.
    public func onEnd(_ span: FinishedSpan) {
        guard span.context.isSampled else { return }
        let (startExport, droppedCount): (Bool, Int) = state.withLockedValue { state in
            guard !state.isShutdown else { return (false, 0) }
            guard state.queue.count < maxQueueSize else {
                state.dropped += 1
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
            Task { await self.exportQueued() }
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

    /// Stops the timer, flushes, and shuts the exporter down.
    public func shutdown() async throws {
        let already = state.withLockedValue { state -> Bool in
            defer { state.isShutdown = true }
            return state.isShutdown
        }
        guard !already else { return }
        timer.withLockedValue { $0?.cancel() }
        do {
            try await forceFlush()
        } catch {
            await exporter.shutdown()
            throw error
        }
        await exporter.shutdown()
    }
}
