import Instrumentation
public import Logging
import W3CTraceContext

extension Logger.MetadataProvider {
    /// Adds `trace_id` and `span_id` of the current span to every log line, so a function's logs can be joined
    /// with its spans.
    ///
    /// ```swift
    /// LoggingSystem.bootstrap({ label, provider in StreamLogHandler.standardOutput(label: label, metadataProvider: provider) },
    ///                         metadataProvider: .otelLite)
    /// ```
    public static let otelLite = Logger.MetadataProvider {
        guard let context = InstrumentationContext.current?.otelSpanContext else { return [:] }
        return [
            "trace_id": .string(context.traceID.description),
            "span_id": .string(context.spanID.description),
        ]
    }
}
