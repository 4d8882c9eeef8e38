/// Receives spans as they start and end, and decides when they are exported.
public protocol SpanProcessor: Sendable {
    /// Called when a recording span starts; it may set attributes on it.
    func onStart(_ span: OtelSpan)

    /// Called once when a recording span ends. Must not block: it runs on the caller's task.
    func onEnd(_ span: FinishedSpan)

    /// Exports everything the processor holds, and waits for the export.
    func forceFlush() async throws

    /// Flushes, then shuts the processor and its exporter down.
    func shutdown() async throws

    /// How many ended spans wait for an export; `nil` when the processor cannot tell (then a flush is always made).
    var pendingSpanCount: Int? { get }

    /// Whether ``forceFlush()`` always returns by ``ExportDeadline/current`` on its own (see
    /// ``SpanExporter/honoursExportDeadline``). The default is `false`.
    var honoursExportDeadline: Bool { get }

    /// The processor's background work (a batch timer); the telemetry service runs it as a child task and cancels
    /// it at shutdown. It returns when cancelled.
    func run() async
}

extension SpanProcessor {
    /// Does nothing.
    public func onStart(_ span: OtelSpan) {}

    /// Unknown by default.
    public var pendingSpanCount: Int? { nil }

    /// No background work by default.
    public func run() async {}

    /// `false`: a flush bounds the processor with a timer.
    public var honoursExportDeadline: Bool { false }
}

/// Runs several processors in order, as one.
package struct MultiSpanProcessor: SpanProcessor {
    /// The processors, in the order they are called.
    package let processors: [any SpanProcessor]

    /// Creates the composite.
    package init(_ processors: [any SpanProcessor]) {
        self.processors = processors
    }

    /// Calls each processor's `onStart`.
    package func onStart(_ span: OtelSpan) {
        for processor in processors { processor.onStart(span) }
    }

    /// The sum over the processors; `nil` when one of them cannot tell.
    package var pendingSpanCount: Int? {
        var total = 0
        for processor in processors {
            guard let count = processor.pendingSpanCount else { return nil }
            total += count
        }
        return total
    }

    /// Whether every processor honours the deadline.
    package var honoursExportDeadline: Bool { processors.allSatisfy(\.honoursExportDeadline) }

    /// Runs every processor's background work.
    package func run() async {
        let processors = self.processors
        await withTaskGroup(of: Void.self) { group in
            for processor in processors { group.addTask { await processor.run() } }
        }
    }

    /// Calls each processor's `onEnd`.
    package func onEnd(_ span: FinishedSpan) {
        for processor in processors { processor.onEnd(span) }
    }

    /// Flushes every processor, even when one fails; the first error is rethrown.
    package func forceFlush() async throws {
        var firstError: (any Error)?
        for processor in processors {
            do { try await processor.forceFlush() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    /// Shuts every processor down, even when one fails; the first error is rethrown.
    package func shutdown() async throws {
        var firstError: (any Error)?
        for processor in processors {
            do { try await processor.shutdown() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }
}
