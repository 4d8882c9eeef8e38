public import OtelHost
import NIOConcurrencyHelpers

/// An exporter that keeps every batch in memory, for tests.
///
/// Register it in place of the stdout exporter with ``InMemoryExporterPlugin``, or hand it to a
/// `LambdaSpanProcessor` directly.
public final class InMemorySpanExporter: SpanExporter {
    private let state = NIOLockedValueBox<(batches: [[FinishedSpan]], shutdowns: Int)>(([], 0))

    /// Creates an empty exporter.
    public init() {}

    /// Keeps the batch.
    public func export(_ batch: [FinishedSpan]) async throws {
        state.withLockedValue { $0.batches.append(batch) }
    }

    /// Counts the shutdown.
    public func shutdown() async {
        state.withLockedValue { $0.shutdowns += 1 }
    }

    /// Every batch exported so far, empty ones included.
    public var batches: [[FinishedSpan]] { state.withLockedValue { $0.batches } }

    /// Every span exported so far, in order.
    public var spans: [FinishedSpan] { batches.flatMap { $0 } }

    /// How many times `export` was called.
    public var exportCount: Int { state.withLockedValue { $0.batches.count } }

    /// How many times `shutdown` was called.
    public var shutdownCount: Int { state.withLockedValue { $0.shutdowns } }

    /// Forgets everything exported so far.
    public func reset() {
        state.withLockedValue { $0.batches.removeAll() }
    }
}

/// Registers an ``InMemorySpanExporter`` under the name `memory`; list it before the defaults to make it the
/// selected exporter.
public struct InMemoryExporterPlugin: OtelPlugin {
    /// The exporter the plugin registers.
    public let exporter: InMemorySpanExporter

    /// Creates the plugin.
    public init(exporter: InMemorySpanExporter = InMemorySpanExporter()) {
        self.exporter = exporter
    }

    /// Registers the exporter as `memory`.
    public func register(into registry: inout PluginRegistry) {
        let exporter = self.exporter
        registry.registerExporter(named: "memory") { _ in exporter }
    }
}

extension InvocationContext {
    /// A made-up invocation context for tests: a fresh request id, a deadline a minute away and a function ARN
    /// in account `123456789012`.
    public static func fake(
        requestID: String = "req-\(UInt32.random(in: 0...UInt32.max))",
        functionARN: String = "arn:aws:lambda:us-east-1:123456789012:function:test-function",
        traceHeader: String? = nil,
        remainingTime: Duration = .seconds(60)
    ) -> InvocationContext {
        InvocationContext(
            requestID: requestID,
            deadline: .now + remainingTime,
            invokedFunctionARN: functionARN,
            traceHeader: traceHeader)
    }
}
