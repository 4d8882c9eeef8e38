public import Instrumentation
public import Tracing
import Synchronization
public import W3CTraceContext

/// A span of this library: a reference to mutex-protected state, ended once.
///
/// A non-recording span (dropped by the sampler) keeps only its context, so its children inherit the trace and
/// the unsampled flag; everything else on it is a no-op.
public final class OtelSpan: Tracing.Span, Sendable {
    /// What changes while the span is open.
    private struct State: Sendable {
        var name: String
        /// Attributes set with `setAttribute`; empty once `attributes` has been used.
        var list = AttributeList()
        /// Attributes set through the `attributes` property; while it is in use, `setAttribute` writes here too.
        var attributes = SpanAttributes()
        var events: [SpanEvent] = []
        /// Events refused because the span already held its limit of them.
        var droppedEvents: UInt32 = 0
        var links: [FinishedLink] = []
        var droppedLinks: UInt32 = 0
        var status: SpanStatus?
        var ended = false
        var isInvocationSpan = false

        init(name: String) {
            self.name = name
        }
    }

    private let state: Mutex<State>

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
        state = Mutex(State(name: name))
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
        get { state.withLock { $0.name } }
        set {
            guard isRecording else { return }
            state.withLock { if !$0.ended { $0.name = newValue } }
        }
    }

    /// The span attributes, as swift-distributed-tracing's `SpanAttributes`.
    ///
    /// `span.attributes["key"] = value` works as on any span; ``setAttribute(_:_:)`` is the faster way to set
    /// attributes on hot paths. The mutex is never held while the caller's code runs: a modification takes the
    /// attributes out, lets the caller change them, then puts them back, merging in whatever another task set
    /// meanwhile.
    public var attributes: SpanAttributes {
        get { state.withLock { $0.list.isEmpty ? $0.attributes : $0.list.spanAttributes } }
        set {
            guard isRecording else { return }
            state.withLock { state in
                guard !state.ended else { return }
                state.attributes = newValue
                state.list = AttributeList()
            }
        }
        _modify {
            var attributes = SpanAttributes()
            let open = isRecording && state.withLock { state in
                guard !state.ended else { return false }
                if state.list.isEmpty {
                    swap(&attributes, &state.attributes)
                } else {
                    attributes = state.list.spanAttributes
                    state.list = AttributeList()
                }
                return true
            }
            guard open else {
                var scratch = SpanAttributes()
                yield &scratch
                return
            }
            // Most spans get a handful of attributes: one allocation up front instead of four regrowths.
            if attributes.isEmpty { attributes.reserveCapacity(16) }
            defer {
                state.withLock { state in
                    guard !state.ended else { return }
                    if !state.list.isEmpty {
                        // Set with `setAttribute` by another task meanwhile.
                        state.list.forEach { key, value in attributes.set(key, value: value) }
                        state.list = AttributeList()
                    }
                    if state.attributes.isEmpty {
                        swap(&attributes, &state.attributes)
                    } else {
                        attributes.merge(state.attributes)
                        state.attributes = attributes
                    }
                }
            }
            yield &attributes
        }
    }

    /// Sets one attribute: the fast path for code that sets attributes on every span.
    ///
    /// The key is compared with the keys already set instead of being hashed, and nothing is allocated per
    /// attribute beyond the value itself. It is the same as `span.attributes[key] = value`; the last value set
    /// for a key wins, whichever way it was set.
    ///
    /// ```swift
    /// span.setAttribute("http.request.method", "GET")
    /// span.setAttribute("http.response.status_code", .int64(Int64(status)))
    /// ```
    ///
    /// - Parameters:
    ///   - key: The attribute key.
    ///   - value: The attribute value.
    public func setAttribute(_ key: String, _ value: SpanAttribute) {
        guard isRecording else { return }
        state.withLock { state in
            guard !state.ended else { return }
            if state.attributes.isEmpty {
                state.list.set(key, value)
            } else {
                state.attributes.set(key, value: value)
            }
        }
    }

    /// Sets the status. An `ok` status is final: a later `error` does not replace it, as OpenTelemetry specifies.
    public func setStatus(_ status: SpanStatus) {
        guard isRecording else { return }
        state.withLock { state in
            guard !state.ended else { return }
            if state.status?.code == .ok { return }
            state.status = status
        }
    }

    /// The status set so far, if any.
    public var status: SpanStatus? { state.withLock { $0.status } }

    /// Adds an event.
    public func addEvent(_ event: SpanEvent) {
        guard isRecording, let pipeline else { return }
        let limit = pipeline.limits.eventCountLimit
        state.withLock { state in
            guard !state.ended else { return }
            // Events past the limit are counted, not kept: a chatty span's memory stays bounded.
            if state.events.count < limit {
                state.events.append(event)
            } else {
                if state.droppedEvents < UInt32.max { state.droppedEvents += 1 }
            }
        }
    }

    /// How many events the open span holds (at most the event limit).
    package var heldEventCount: Int { state.withLock { $0.events.count } }

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
            state.withLock { if !$0.ended { $0.droppedLinks += 1 } }
            Diagnostics.debug(
                "span link refused on \"\(operationName.truncatedForLog())\": its context carries no valid span context")
            return
        }
        let limit = pipeline.limits.linkCountLimit
        state.withLock { state in
            guard !state.ended else { return }
            if state.links.count < limit {
                state.links.append(FinishedLink(context: linked, attributes: link.attributes))
            } else {
                state.droppedLinks += 1
            }
        }
    }

    /// Adds links whose contexts are known to be valid, up to ``SpanLimits/linkCountLimit``; the rest are counted
    /// as dropped.
    package func addPreparedLinks(_ links: [FinishedLink]) {
        guard isRecording, let pipeline, !links.isEmpty else { return }
        assert(links.allSatisfy { $0.context.isValid }, "prepared links must have valid contexts")
        let limit = pipeline.limits.linkCountLimit
        state.withLock { state in
            guard !state.ended else { return }
            let room = max(0, limit - state.links.count)
            state.links.append(contentsOf: links.prefix(room))
            state.droppedLinks += UInt32(clamping: links.count - min(room, links.count))
        }
    }

    /// Counts `count` more links as dropped: links an extractor did not build because the span's link limit was
    /// already reached.
    package func countDroppedLinks(_ count: Int) {
        guard isRecording, count > 0 else { return }
        state.withLock { if !$0.ended { $0.droppedLinks += UInt32(clamping: count) } }
    }

    /// Ends the span and hands it to the processors. A second call is ignored.
    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard let pipeline else { return }
        let endTime = instant().nanosecondsSinceEpoch
        let taken: State? = state.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            return state
        }
        guard let taken else { return }
        // One of the two stores is in use: `attributes` once the `SpanAttributes` API was used, else the list.
        var attributes = taken.attributes.isEmpty ? taken.list : AttributeList(taken.attributes)
        let name = taken.name, events = taken.events, links = taken.links, status = taken.status
        let droppedLinks = taken.droppedLinks, isInvocationSpan = taken.isInvocationSpan
        let droppedEvents = taken.droppedEvents

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
            attributeList: attributes,
            droppedAttributesCount: droppedAttributes,
            status: status,
            resource: pipeline.resource,
            scope: pipeline.scope
        )
        finished.isInvocationSpan = isInvocationSpan
        if !events.isEmpty || droppedEvents > 0 {
            // `addEvent` keeps at most the limit and counts the rest.
            finished.events.reserveCapacity(events.count)
            for event in events {
                var eventAttributes = event.attributes
                let dropped = limits.apply(to: &eventAttributes, countLimit: limits.eventAttributeCountLimit)
                finished.events.append(FinishedEvent(
                    name: event.name, timeUnixNano: event.nanosecondsSinceEpoch,
                    attributes: eventAttributes, droppedAttributesCount: dropped))
            }
            finished.droppedEventsCount = droppedEvents
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
        get { state.withLock { $0.isInvocationSpan } }
        set { state.withLock { $0.isInvocationSpan = newValue } }
    }

    /// Whether the span has ended.
    public var hasEnded: Bool { state.withLock { $0.ended } }

    /// The span of this library that is current in this task, if any.
    public static var current: OtelSpan? { InstrumentationContext.current?.otelSpan }
}
