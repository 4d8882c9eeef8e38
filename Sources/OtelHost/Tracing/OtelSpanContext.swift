public import Instrumentation
public import W3CTraceContext

/// The identity of a span as it travels between processes: trace id, span id, flags and trace state.
public struct OtelSpanContext: Sendable, Hashable {
    /// The trace the span belongs to.
    public var traceID: TraceID
    /// The span's own id.
    public var spanID: SpanID
    /// The W3C trace flags; `.sampled` means the span is exported.
    public var flags: TraceFlags
    /// The W3C `tracestate` value, as it travels in the header (empty when there is none).
    public var traceState: String
    /// Whether this context came from another process through a propagator.
    public var isRemote: Bool
    /// Whether the sender left the sampling decision to the receiver: an X-Ray header with `Sampled=?` or no
    /// `Sampled` field. ``ParentBasedSampler`` then continues the trace but decides as it does for a root span,
    /// instead of treating the missing `TraceFlags.sampled` flag as "parent not sampled".
    public var isSamplingDeferred: Bool

    /// Creates a span context.
    ///
    /// - Parameters:
    ///   - traceID: The trace id.
    ///   - spanID: The span id.
    ///   - flags: The W3C trace flags.
    ///   - traceState: The W3C `tracestate` value.
    ///   - isRemote: Whether the context was extracted from another process.
    ///   - isSamplingDeferred: Whether the sender left the sampling decision to the receiver.
    public init(
        traceID: TraceID, spanID: SpanID, flags: TraceFlags, traceState: String = "", isRemote: Bool = false,
        isSamplingDeferred: Bool = false
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
        self.traceState = traceState
        self.isRemote = isRemote
        self.isSamplingDeferred = isSamplingDeferred
    }

    /// Whether the span is sampled, so its spans are exported.
    public var isSampled: Bool { flags.contains(.sampled) }

    /// Whether both ids are non-zero, as W3C requires.
    public var isValid: Bool { traceID != .null && spanID != .null }
}

/// What this library keeps in an instrumentation context: a live span of this process, or just a span context
/// (a remote parent).
enum SpanContextEntry: Sendable {
    case span(OtelSpan)
    case context(OtelSpanContext)
}

private enum OtelSpanContextKey: InstrumentationContextKey {
    typealias Value = SpanContextEntry
    static var nameOverride: String? { "otel-lite-span-context" }
}

extension InstrumentationContext {
    /// The span context this library stores in an instrumentation context: the current span, or a remote parent.
    public var otelSpanContext: OtelSpanContext? {
        get {
            switch self[OtelSpanContextKey.self] {
            case .span(let span)?: return span.spanContext
            case .context(let context)?: return context
            case nil: return nil
            }
        }
        set { self[OtelSpanContextKey.self] = newValue.map { .context($0) } }
    }

    /// The span of this library that the context carries, when it carries a live one.
    public var otelSpan: OtelSpan? {
        if case .span(let span)? = self[OtelSpanContextKey.self] { return span }
        return nil
    }

    mutating func setOtelSpan(_ span: OtelSpan) {
        self[OtelSpanContextKey.self] = .span(span)
    }

    /// The current trace id as 32 lowercase hex digits, for log correlation.
    public var otelTraceID: String? { otelSpanContext.map { $0.traceID.description } }

    /// The current span id as 16 lowercase hex digits, for log correlation.
    public var otelSpanID: String? { otelSpanContext.map { $0.spanID.description } }
}
