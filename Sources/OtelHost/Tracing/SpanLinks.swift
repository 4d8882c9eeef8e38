import Instrumentation
public import Tracing
import W3CTraceContext

extension SpanLink {
    /// A link to the span that `spanContext` identifies.
    ///
    /// - Parameters:
    ///   - spanContext: The linked span's context, for example one read from a message's headers.
    ///   - attributes: Attributes that describe the link, such as `messaging.message.id`.
    public init(linking spanContext: OtelSpanContext, attributes: SpanAttributes = [:]) {
        var context = InstrumentationContext.topLevel
        context.otelSpanContext = spanContext
        self.init(context: context, attributes: attributes)
    }

    /// A link to the span of an X-Ray trace header (`Root=1-…;Parent=…;Sampled=…`), such as an SQS record's
    /// `AWSTraceHeader`.
    ///
    /// Any `Sampled` value makes a valid link: whether the other span was sampled does not change that this
    /// invocation is related to it.
    ///
    /// - Parameters:
    ///   - header: The header value.
    ///   - attributes: Attributes that describe the link.
    /// - Returns: The link, or `nil` when the header has no valid `Root` and `Parent`.
    public static func fromXRayHeader(_ header: String, attributes: SpanAttributes = [:]) -> SpanLink? {
        guard let spanContext = XRayPropagator.parse(header) else { return nil }
        return SpanLink(linking: spanContext, attributes: attributes)
    }

    /// A link to the span of a W3C `traceparent` value, with its `tracestate` when there is one.
    ///
    /// - Parameters:
    ///   - traceparent: The `traceparent` value (`00-<trace id>-<span id>-<flags>`).
    ///   - tracestate: The `tracestate` value, if any; a malformed one is left out and the link kept.
    ///   - attributes: Attributes that describe the link.
    /// - Returns: The link, or `nil` when `traceparent` is malformed or has a zero id.
    public static func fromTraceparent(
        _ traceparent: String, tracestate: String? = nil, attributes: SpanAttributes = [:]
    ) -> SpanLink? {
        var headers = EventHeaders()
        headers.setValue(traceparent, forHeader: "traceparent")
        if let tracestate { headers.setValue(tracestate, forHeader: "tracestate") }
        guard let spanContext = W3CTraceContextPropagator().extract(from: headers) else { return nil }
        return SpanLink(linking: spanContext, attributes: attributes)
    }

    /// The span context this link points to, when it carries one of this library's.
    public var otelSpanContext: OtelSpanContext? { context.otelSpanContext }
}

/// The links of a batch of messages: each linked span once, in the order first seen.
///
/// Extractors of batch events (SQS, SNS) add one link per record; records that carry the same context (a
/// producer that sent the whole batch from one span) give one link. The span still applies its link limit
/// (`OTEL_SPAN_LINK_COUNT_LIMIT`) and counts what it cuts in `dropped_links_count`.
///
/// ```swift
/// var links = TraceLinks()
/// for record in records {
///     let id: SpanAttributes = ["messaging.message.id": .string(record.id)]
///     links.add(record.traceparent.flatMap { SpanLink.fromTraceparent($0, attributes: id) })
/// }
/// return ExtractedSpan(spanName: "orders process", kind: .consumer, links: links.links, trigger: .pubsub)
/// ```
public struct TraceLinks: Sendable {
    private struct Key: Hashable {
        let traceID: TraceID
        let spanID: SpanID
    }

    /// The links, each linked span once.
    public private(set) var links: [SpanLink] = []
    private var seen: Set<Key> = []

    /// Creates an empty set of links.
    public init() {}

    /// How many links there are.
    public var count: Int { links.count }

    /// Adds `link` unless a link to the same span (same trace id and span id) is already there.
    ///
    /// - Parameter link: The link; `nil` (a record without a valid header) is ignored.
    /// - Returns: Whether the link was added. A link without a span context of this library is not added.
    @discardableResult
    public mutating func add(_ link: SpanLink?) -> Bool {
        guard let link, let spanContext = link.otelSpanContext, spanContext.isValid else { return false }
        guard seen.insert(Key(traceID: spanContext.traceID, spanID: spanContext.spanID)).inserted else {
            return false
        }
        links.append(link)
        return true
    }
}
