public import Instrumentation
import W3CTraceContext
public import Tracing

/// What every span of a tracer shares: sampling, ids, processors, resource, scope and limits.
final class TracerPipeline: Sendable {
    let sampler: any Sampler
    let idGenerator: any IDGenerator
    let processor: any SpanProcessor
    let resource: OtelResource
    let scope: InstrumentationScope
    let limits: SpanLimits
    /// Signals written after each flush of the spans.
    let participants: [any FlushParticipant]
    /// `forceFlush()` requests; the telemetry service performs them (at most one waits).
    let flushRequests: AsyncStream<Void>
    let flushRequester: AsyncStream<Void>.Continuation

    init(
        sampler: any Sampler,
        idGenerator: any IDGenerator,
        processor: any SpanProcessor,
        resource: OtelResource,
        scope: InstrumentationScope,
        limits: SpanLimits,
        participants: [any FlushParticipant] = []
    ) {
        self.participants = participants
        self.sampler = sampler
        self.idGenerator = idGenerator
        self.processor = processor
        self.resource = resource
        self.scope = scope
        self.limits = limits
        (flushRequests, flushRequester) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }
}

/// This library's swift-distributed-tracing backend.
///
/// Once bootstrapped (``LambdaTelemetry/bootstrap(configuration:plugins:environment:)``), every `withSpan` and
/// `startSpan` call in the process — yours, AsyncHTTPClient's, Hummingbird's, Soto's — lands in this tracer, and
/// outgoing requests of instrumented clients carry the configured propagation headers.
public struct OtelTracer: Tracer {
    let pipeline: TracerPipeline
    /// The propagator used by `extract` and `inject`.
    public let propagator: any TracePropagator

    init(pipeline: TracerPipeline, propagator: any TracePropagator) {
        self.pipeline = pipeline
        self.propagator = propagator
    }

    /// Creates a tracer directly, without the plugin registry; for tests and special set-ups.
    ///
    /// - Parameters:
    ///   - processor: Where ended spans go.
    ///   - resource: The resource written with each span.
    ///   - sampler: Decides which spans are recorded; parent-based always-on by default.
    ///   - idGenerator: Makes ids; random W3C ids when `nil`.
    ///   - propagator: Used by `extract` and `inject`; none when `nil`.
    ///   - limits: Span limits.
    public init(
        processor: any SpanProcessor,
        resource: OtelResource = OtelResource(attributes: [:]),
        sampler: any Sampler = ParentBasedSampler(root: AlwaysOnSampler()),
        idGenerator: (any IDGenerator)? = nil,
        propagator: (any TracePropagator)? = nil,
        limits: SpanLimits = SpanLimits()
    ) {
        self.init(
            pipeline: TracerPipeline(
                sampler: sampler, idGenerator: idGenerator ?? RandomIDGenerator(), processor: processor,
                resource: resource, scope: .lambdaOtelLite, limits: limits),
            propagator: propagator ?? NoOpPropagator())
    }

    /// The resource written with each span.
    public var resource: OtelResource { pipeline.resource }

    /// The span processor (several processors appear as one that calls each in order).
    public var processor: any SpanProcessor { pipeline.processor }

    /// Starts a span as a child of the span in `context`, if any.
    public func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> InstrumentationContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> OtelSpan {
        let spanContextCarrier = context()
        let parent = spanContextCarrier.otelSpanContext
        let traceID = parent?.traceID ?? pipeline.idGenerator.newTraceID()
        let decision = pipeline.sampler.shouldSample(parent: parent, traceID: traceID, name: operationName, kind: kind)
        let spanContext = OtelSpanContext(
            traceID: traceID,
            spanID: pipeline.idGenerator.newSpanID(),
            flags: decision == .recordAndSample ? .sampled : [],
            traceState: parent?.traceState ?? "",
            isRemote: false
        )
        let span = OtelSpan(
            name: operationName,
            kind: kind,
            context: spanContextCarrier,
            spanContext: spanContext,
            parent: parent,
            startTimeUnixNano: instant().nanosecondsSinceEpoch,
            pipeline: decision == .drop ? nil : pipeline
        )
        if span.isRecording { pipeline.processor.onStart(span) }
        return span
    }

    /// The live span carried by `context`, if it is one of this tracer's.
    public func activeSpan(identifiedBy context: InstrumentationContext) -> OtelSpan? {
        context.otelSpan
    }

    /// Asks for a flush of every processor without waiting for it; `await` ``flush()`` to wait.
    ///
    /// The telemetry service (``LambdaTelemetry/run()``) performs the request; requests made while one is pending
    /// are merged into it.
    public func forceFlush() {
        pipeline.flushRequester.yield()
    }

    /// Performs ``forceFlush()`` requests until the task is cancelled.
    func serveFlushRequests() async {
        for await _ in pipeline.flushRequests {
            if Task.isCancelled { return }
            await flush()
        }
    }

    /// Shuts every processor down; errors are logged, never thrown.
    func shutdownProcessors() async {
        do {
            try await pipeline.processor.shutdown()
        } catch {
            Diagnostics.warn("span processor shutdown failed: \(error)")
        }
        for participant in pipeline.participants { await participant.shutdown() }
    }

    /// Whether a flush participant holds something to write.
    var participantsHavePendingData: Bool {
        pipeline.participants.contains { $0.hasPendingData }
    }

    /// Lets every flush participant write what it holds.
    func flushParticipants() async {
        for participant in pipeline.participants { await participant.flush() }
    }

    /// Lets every flush participant write what it holds, by the same deadline as a flush before `invocation`.
    func flushParticipants(before invocation: InvocationContext) async {
        let budget = Self.exportBudget(invocation.remainingTime)
        guard budget > .zero else { return }
        await flushParticipants(by: .now + budget)
    }

    /// Lets every flush participant write what it holds, by `deadline`.
    private func flushParticipants(by deadline: ContinuousClock.Instant) async {
        guard !pipeline.participants.isEmpty else { return }
        await ExportDeadline.$current.withValue(deadline) { await flushParticipants() }
    }

    /// The part of the time left before an invocation's deadline that an export may take: all but a tenth of it,
    /// at least 20 ms and at most 500 ms, which is kept to post the response.
    static func exportBudget(_ remaining: Duration) -> Duration {
        remaining - min(max(remaining / 10, .milliseconds(20)), .milliseconds(500))
    }

    /// Flushes every processor and waits until the exports are done. Errors are logged, never thrown.
    public func flush() async {
        do {
            try await pipeline.processor.forceFlush()
        } catch {
            Diagnostics.warn("span export failed: \(error)")
        }
        await flushParticipants()
    }

    /// Flushes, but gives up shortly before the invocation's deadline, so an exporter that never returns cannot
    /// make the function time out. The export may take until then: ``ExportDeadline/current`` is that instant
    /// while it runs. Errors and the give-up are logged, never thrown.
    public func flush(before invocation: InvocationContext) async {
        // Keep time to post the response: a tenth of what is left, at least 20 ms, at most 500 ms.
        let budget = Self.exportBudget(invocation.remainingTime)
        guard budget > .zero else {
            Diagnostics.warn("no time left before the deadline of \(invocation.requestID) to export its spans; they stay queued")
            return
        }
        let processor = pipeline.processor
        let pending = Diagnostics.isDebugEnabled ? processor.pendingSpanCount : nil
        let start = ContinuousClock.now
        do {
            try await ExportDeadline.$current.withValue(start + budget) {
                if processor.honoursExportDeadline {
                    // Returns by the deadline on its own: no timer task, no second task for the export.
                    try await processor.forceFlush()
                } else {
                    try await withTimeout(budget, "span export") {
                        try await processor.forceFlush()
                    }
                }
            }
        } catch {
            Diagnostics.warn("span export failed: \(error)")
        }
        await flushParticipants(by: start + budget)
        Diagnostics.debug(
            "flushed \(pending.map(String.init) ?? "the queued") spans for \(invocation.requestID) in "
                + "\(ContinuousClock.now - start)")
    }

    /// Reads the parent span context from a carrier with the configured propagators.
    public func extract<Carrier, Extract>(
        _ carrier: Carrier,
        into context: inout InstrumentationContext,
        using extractor: Extract
    ) where Extract: Extractor, Extract.Carrier == Carrier {
        if let parent = propagator.extract(from: carrier, using: extractor) {
            context.otelSpanContext = parent
        }
    }

    /// Writes the span context of `context` into a carrier with the configured propagators.
    public func inject<Carrier, Inject>(
        _ context: InstrumentationContext,
        into carrier: inout Carrier,
        using injector: Inject
    ) where Inject: Injector, Inject.Carrier == Carrier {
        guard let spanContext = context.otelSpanContext else { return }
        propagator.inject(spanContext, into: &carrier, using: injector)
    }
}
