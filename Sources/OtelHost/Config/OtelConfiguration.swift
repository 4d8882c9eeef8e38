public import Logging
public import Tracing

/// The configuration given in code. Environment variables win over every field they cover.
public struct OtelConfiguration: Sendable {
    /// Resource attributes merged on top of the detected resource.
    public var resourceAttributes: SpanAttributes?
    /// Propagator names, in order (`OTEL_PROPAGATORS` replaces them); default `["xray-lambda", "tracecontext"]`.
    public var propagators: [String]?
    /// Span processors, in order; when empty a ``LambdaSpanProcessor`` with the selected exporter is used.
    public var spanProcessors: [any SpanProcessor]
    /// The sampler (`OTEL_TRACES_SAMPLER` wins); parent-based always-on by default.
    public var sampler: (any Sampler)?
    /// The id generator; random by default (``XRayIDGenerator`` for X-Ray-compatible trace ids).
    public var idGenerator: (any IDGenerator)?
    /// The processing mode (`LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE` wins); `sync` by default.
    public var processingMode: ProcessingModeName?
    /// The Lambda span processor's queue size (`LAMBDA_SPAN_PROCESSOR_QUEUE_SIZE` wins); 2048 by default.
    public var queueSize: Int?
    /// The exporter's registered name (`OTEL_TRACES_EXPORTER` wins); the first registered exporter by default.
    public var exporter: String?
    /// Span limits (the `OTEL_*_LIMIT` variables win).
    public var spanLimits: SpanLimits
    /// Print each ended span to standard error (`LAMBDA_TRACING_ENABLE_FMT_LAYER` wins); off by default.
    public var enableFmtLayer: Bool?
    /// Where the library's own warnings, errors and debug lines go while this telemetry works (start-up, each
    /// invocation, its service), at the logger's level. When `nil` they go to standard error, at the level of
    /// `AWS_LAMBDA_LOG_LEVEL`, else `LOG_LEVEL` (default `info`).
    public var logger: Logger?

    /// Creates a configuration; every field is optional.
    public init(
        resourceAttributes: SpanAttributes? = nil,
        propagators: [String]? = nil,
        spanProcessors: [any SpanProcessor] = [],
        sampler: (any Sampler)? = nil,
        idGenerator: (any IDGenerator)? = nil,
        processingMode: ProcessingModeName? = nil,
        queueSize: Int? = nil,
        exporter: String? = nil,
        spanLimits: SpanLimits = SpanLimits(),
        enableFmtLayer: Bool? = nil,
        logger: Logger? = nil
    ) {
        self.resourceAttributes = resourceAttributes
        self.propagators = propagators
        self.spanProcessors = spanProcessors
        self.sampler = sampler
        self.idGenerator = idGenerator
        self.processingMode = processingMode
        self.queueSize = queueSize
        self.exporter = exporter
        self.spanLimits = spanLimits
        self.enableFmtLayer = enableFmtLayer
        self.logger = logger
    }
}
