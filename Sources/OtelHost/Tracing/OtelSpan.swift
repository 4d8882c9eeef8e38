public import Instrumentation
public import Tracing
import NIOConcurrencyHelpers
public import W3CTraceContext

/// A span of this library: a reference to lock-protected state, ended once.
///
/// A non-recording span (dropped by the sampler) keeps only its context, so its children inherit the trace and
/// the unsampled flag; everything else on it is a no-op.
public final class OtelSpan: Tracing.Span, @unchecked Sendable {
    // Every mutable field below is read and written with `lock` held; the rest is immutable.
    private let lock = NIOLock()
    private var _name: String
    private var _attributes: SpanAttributes
    private var _events: [SpanEvent] = []
    private var _links: [FinishedLink] = []
    private var _droppedLinks: UInt32 = 0
    private var _status: SpanStatus?
    private var _ended = false
    private var _isInvocationSpan = false

    private let parentContext: InstrumentationContext

    /// The context that carries this span; children started with it become its children.
    ///
    /// It is made on each access from the parent's context, so the span and its context never hold each other.
    public var context: InstrumentationContext {
        var context = parentContext
        context.setOtelSpan(self)
        return context
    }
    /// This span's identity.
    public let spanContext: OtelSpanContext
    /// The parent's span id, if any.
    public let parentSpanID: SpanID?
    let parentIsRemote: Bool?
    /// The span kind.
    public let kind: SpanKind
    /// Start time, nanoseconds since the epoch.
    public let startTimeUnixNano: UInt64
    /// Whether the span records what is set on it.
    public let isRecording: Bool
    private let pipeline: TracerPipeline?

    init(
        name: String,
        kind: SpanKind,
        context: InstrumentationContext,
        spanContext: OtelSpanContext,
        parent: OtelSpanContext?,
        startTimeUnixNano: UInt64,
        pipeline: TracerPipeline?
    ) {
        _name = name
        _attributes = SpanAttributes()
        self.kind = kind
        parentContext = context
        self.spanContext = spanContext
        parentSpanID = parent?.spanID
        parentIsRemote = parent?.isRemote
        self.startTimeUnixNano = startTimeUnixNano
        isRecording = pipeline != nil
        self.pipeline = pipeline
    }

    /// The span name; renaming is allowed until the span ends.
    public var operationName: String {
        get { lock.withLock { _name } }
        set {
            guard isRecording else { return }
            lock.withLock { if !_ended { _name = newValue } }
        }
    }

    /// The span attributes. Setting one attribute mutates the span's storage in place.
    public var attributes: SpanAttributes {
        get { lock.withLock { _attributes } }
        set {
            guard isRecording else { return }
            lock.withLock { if !_ended { _attributes = newValue } }
        }
        _modify {
            lock.lock()
            defer { lock.unlock() }
            if isRecording && !_ended {
                // Most spans get a handful of attributes: one allocation up front instead of four regrowths.
                if _attributes.isEmpty { _attributes.reserveCapacity(16) }
                yield &_attributes
            } else {
                var scratch = SpanAttributes()
                yield &scratch
            }
        }
    }

    /// Sets the status. An `ok` status is final: a later `error` does not replace it, as OpenTelemetry specifies.
    public func setStatus(_ status: SpanStatus) {
        guard isRecording else { return }
        lock.withLock {
            guard !_ended else { return }
            if _status?.code == .ok { return }
            _status = status
        }
    }

    /// The status set so far, if any.
    public var status: SpanStatus? { lock.withLock { _status } }

    /// Adds an event.
    public func addEvent(_ event: SpanEvent) {
        guard isRecording else { return }
        lock.withLock { if !_ended { _events.append(event) } }
    }

    /// Records an error as an `exception` event with `exception.type` and `exception.message`.
    public func recordError<Instant: TracerInstant>(
        _ error: any Error,
        attributes: SpanAttributes,
        at instant: @autoclosure () -> Instant
    ) {
        guard isRecording else { return }
        var eventAttributes = attributes
        eventAttributes.set("exception.type", value: .string(String(reflecting: type(of: error))))
        eventAttributes.set("exception.message", value: .string(String(describing: error)))
        addEvent(SpanEvent(name: "exception", at: instant(), attributes: eventAttributes))
    }

    /// Adds a link to the span context carried by `link.context`.
    ///
    /// A link whose context carries no span context of this library (make links with
    /// `SpanLink.fromXRayHeader(_:attributes:)`, `SpanLink.fromTraceparent(_:tracestate:attributes:)`,
    /// `SpanLink(linking:attributes:)` or a span's `context`) is refused: it is counted in the span's dropped
    /// links and logged as a debug diagnostic. Links beyond ``SpanLimits/linkCountLimit`` are counted, not kept.
    public func addLink(_ link: SpanLink) {
        guard isRecording, let pipeline else { return }
        guard let linked = link.context.otelSpanContext, linked.isValid else {
            lock.withLock { if !_ended { _droppedLinks += 1 } }
            Diagnostics.debug(
                "span link refused on \"\(operationName.truncatedForLog())\": its context carries no valid span context")
            return
        }
        let limit = pipeline.limits.linkCountLimit
        lock.withLock {
            guard !_ended else { return }
            if _links.count < limit {
                _links.append(FinishedLink(context: linked, attributes: link.attributes))
            } else {
                _droppedLinks += 1
            }
        }
    }

    /// Ends the span and hands it to the processors. A second call is ignored.
    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard let pipeline else { return }
        let endTime = instant().nanosecondsSinceEpoch
        lock.lock()
        if _ended {
            lock.unlock()
            return
        }
        _ended = true
        var attributes = _attributes
        let name = _name, events = _events, links = _links, status = _status, droppedLinks = _droppedLinks
        let isInvocationSpan = _isInvocationSpan
        lock.unlock()

        let limits = pipeline.limits
        let droppedAttributes = limits.apply(to: &attributes, countLimit: limits.attributeCountLimit)
        var finished = FinishedSpan(
            context: spanContext,
            parentSpanID: parentSpanID,
            parentIsRemote: parentIsRemote,
            name: name,
            kind: kind,
            startTimeUnixNano: startTimeUnixNano,
            endTimeUnixNano: max(endTime, startTimeUnixNano),
            attributes: attributes,
            droppedAttributesCount: droppedAttributes,
            status: status,
            resource: pipeline.resource,
            scope: pipeline.scope
        )
        finished.isInvocationSpan = isInvocationSpan
        if !events.isEmpty {
            finished.events.reserveCapacity(min(events.count, limits.eventCountLimit))
            for event in events.prefix(limits.eventCountLimit) {
                var eventAttributes = event.attributes
                let dropped = limits.apply(to: &eventAttributes, countLimit: limits.eventAttributeCountLimit)
                finished.events.append(FinishedEvent(
                    name: event.name, timeUnixNano: event.nanosecondsSinceEpoch,
                    attributes: eventAttributes, droppedAttributesCount: dropped))
            }
            finished.droppedEventsCount = UInt32(clamping: events.count - finished.events.count)
        }
        if !links.isEmpty || droppedLinks > 0 {
            for var link in links.prefix(limits.linkCountLimit) {
                link.droppedAttributesCount = limits.apply(to: &link.attributes, countLimit: limits.linkAttributeCountLimit)
                finished.links.append(link)
            }
            finished.droppedLinksCount = UInt32(clamping: links.count - finished.links.count) + droppedLinks
        }
        pipeline.processor.onEnd(finished)
    }

    /// Whether this is an invocation span; the host sets it where it starts one, and the Lambda span processor
    /// keeps such spans before their children when its buffer is full.
    package var isInvocationSpan: Bool {
        get { lock.withLock { _isInvocationSpan } }
        set { lock.withLock { _isInvocationSpan = newValue } }
    }

    /// Whether the span has ended.
    public var hasEnded: Bool { lock.withLock { _ended } }

    /// The span of this library that is current in this task, if any.
    public static var current: OtelSpan? { InstrumentationContext.current?.otelSpan }
}
