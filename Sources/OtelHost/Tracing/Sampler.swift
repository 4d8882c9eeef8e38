public import Tracing
public import W3CTraceContext

/// What a sampler decided for a new span.
public enum SamplingDecision: Sendable, Hashable {
    /// The span is not recorded; it still carries its context to its children, unsampled.
    case drop
    /// The span is recorded but not sampled: processors see it, exporters do not.
    case recordOnly
    /// The span is recorded and sampled.
    case recordAndSample
}

/// Decides whether a new span is recorded and sampled.
public protocol Sampler: Sendable {
    /// The decision for a span that is about to start.
    ///
    /// - Parameters:
    ///   - parent: The parent span context, if the span has a parent.
    ///   - traceID: The trace id the span will have.
    ///   - name: The span name.
    ///   - kind: The span kind.
    /// - Returns: Whether the span is dropped, recorded, or recorded and sampled.
    func shouldSample(parent: OtelSpanContext?, traceID: TraceID, name: String, kind: SpanKind) -> SamplingDecision

    /// A short description, as OpenTelemetry samplers report themselves.
    var description: String { get }
}

/// Samples every span.
public struct AlwaysOnSampler: Sampler {
    /// Creates the sampler.
    public init() {}
    /// Always `.recordAndSample`.
    public func shouldSample(parent: OtelSpanContext?, traceID: TraceID, name: String, kind: SpanKind) -> SamplingDecision {
        .recordAndSample
    }
    /// `AlwaysOnSampler`.
    public var description: String { "AlwaysOnSampler" }
}

/// Samples no span.
public struct AlwaysOffSampler: Sampler {
    /// Creates the sampler.
    public init() {}
    /// Always `.drop`.
    public func shouldSample(parent: OtelSpanContext?, traceID: TraceID, name: String, kind: SpanKind) -> SamplingDecision {
        .drop
    }
    /// `AlwaysOffSampler`.
    public var description: String { "AlwaysOffSampler" }
}

/// Samples a fixed fraction of traces, decided by the trace id so every service in a trace agrees.
public struct TraceIDRatioSampler: Sampler {
    /// The fraction of traces sampled, from 0 to 1.
    public let ratio: Double
    private let bound: UInt64

    /// Creates the sampler.
    ///
    /// - Parameter ratio: The fraction of traces to sample; clamped to 0...1.
    public init(ratio: Double) {
        let clamped = ratio.isNaN ? 0 : min(max(ratio, 0), 1)
        self.ratio = clamped
        if clamped >= 1 {
            bound = .max
        } else {
            bound = UInt64(clamped * 18_446_744_073_709_551_616.0)
        }
    }

    /// Samples when the low 64 bits of the trace id fall under the ratio's bound.
    public func shouldSample(parent: OtelSpanContext?, traceID: TraceID, name: String, kind: SpanKind) -> SamplingDecision {
        if ratio >= 1 { return .recordAndSample }
        return traceID.words.low < bound ? .recordAndSample : .drop
    }

    /// `TraceIdRatioBased{ratio}`.
    public var description: String { "TraceIdRatioBased{\(ratio)}" }
}

/// Follows the parent's sampled flag; spans without a parent are decided by the root sampler.
///
/// A parent that left the decision to the receiver (``OtelSpanContext/isSamplingDeferred``, an X-Ray header with
/// `Sampled=?` or no `Sampled`) is decided by the root sampler too: the span stays in the parent's trace, and the
/// missing sampled flag does not count as "parent not sampled".
public struct ParentBasedSampler: Sampler {
    /// The sampler for spans without a parent.
    public let root: any Sampler

    /// Creates the sampler.
    ///
    /// - Parameter root: The sampler for spans without a parent.
    public init(root: any Sampler) {
        self.root = root
    }

    /// The parent's decision, or the root sampler's when there is no parent or the parent deferred it.
    public func shouldSample(parent: OtelSpanContext?, traceID: TraceID, name: String, kind: SpanKind) -> SamplingDecision {
        guard let parent, !parent.isSamplingDeferred else {
            return root.shouldSample(parent: nil, traceID: traceID, name: name, kind: kind)
        }
        return parent.isSampled ? .recordAndSample : .drop
    }

    /// `ParentBased{root}`.
    public var description: String { "ParentBased{\(root.description)}" }
}
