/// Sends finished spans somewhere: a log line, a collector, memory.
///
/// Exporters are registered by plugins (``PluginRegistry/registerExporter(named:_:)``) and driven by span
/// processors. `export` may be called with an empty batch: exporters that need a heartbeat (the named-pipe
/// touch) use it; others return at once.
public protocol SpanExporter: Sendable {
    /// Exports one batch of spans.
    ///
    /// - Parameter batch: The spans, in the order they ended.
    /// - Throws: When the batch could not be delivered.
    func export(_ batch: [FinishedSpan]) async throws

    /// Delivers anything the exporter buffers.
    func forceFlush() async throws

    /// Releases the exporter's resources; it is not used again.
    func shutdown() async

    /// Whether `export` always returns by ``ExportDeadline/current`` on its own: every wait it makes is bounded
    /// by that deadline, and its other work is bounded by the batch. A flush then calls it directly instead of
    /// racing it against a timer. The default is `false`.
    var honoursExportDeadline: Bool { get }
}

extension SpanExporter {
    /// Does nothing: the exporter buffers nothing.
    public func forceFlush() async throws {}
    /// Does nothing: the exporter holds nothing to release.
    public func shutdown() async {}
    /// `false`: a flush bounds the export with a timer.
    public var honoursExportDeadline: Bool { false }
}

/// An exporter backed by a closure.
package struct ClosureSpanExporter: SpanExporter {
    private let body: @Sendable ([FinishedSpan]) async throws -> Void

    /// Creates an exporter that calls `body` with each batch.
    ///
    /// - Parameter body: Called with each batch.
    package init(_ body: @escaping @Sendable ([FinishedSpan]) async throws -> Void) {
        self.body = body
    }

    /// Calls the closure.
    package func export(_ batch: [FinishedSpan]) async throws {
        try await body(batch)
    }
}

/// An exporter that drops everything.
package struct NoOpSpanExporter: SpanExporter {
    /// Creates the exporter.
    package init() {}
    /// Drops the batch.
    package func export(_ batch: [FinishedSpan]) async throws {}
}
