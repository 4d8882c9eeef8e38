public import Tracing
public import W3CTraceContext

/// The identity of whatever produced telemetry: service, function, cloud, SDK.
///
/// A resource is shared by every span of a process; exporters group spans by it.
public final class OtelResource: Sendable {
    /// The resource attributes.
    public let attributes: SpanAttributes

    /// Creates a resource.
    ///
    /// - Parameter attributes: The resource attributes.
    public init(attributes: SpanAttributes) {
        self.attributes = attributes
    }

    /// A new resource with `other`'s attributes on top of these.
    public func merging(_ other: SpanAttributes) -> OtelResource {
        var merged = attributes
        merged.merge(other)
        return OtelResource(attributes: merged)
    }
}

/// The library that made a span: its name and version.
public final class InstrumentationScope: Sendable {
    /// The scope name.
    public let name: String
    /// The scope version.
    public let version: String
    /// Attributes of the scope.
    public let attributes: SpanAttributes

    /// Creates a scope.
    public init(name: String, version: String, attributes: SpanAttributes = [:]) {
        self.name = name
        self.version = version
        self.attributes = attributes
    }

    /// This library's scope.
    public static let lambdaOtelLite = InstrumentationScope(
        name: LibraryInfo.name,
        version: LibraryInfo.version,
        attributes: [
            "library.language": "swift",
            "library.type": "instrumentation",
            "library.runtime": "aws_lambda",
        ]
    )
}

/// The name and version of this library.
public enum LibraryInfo {
    /// The library name, as written in the instrumentation scope.
    public static let name = "lambda-otel-lite"
    /// The library version, as written in the scope and in the `__otel_otlp_stdout` key of each line.
    public static let version = "0.1.0"
}

/// A link from a span to another span, resolved to that span's context.
public struct FinishedLink: Sendable {
    /// The linked span's context.
    public var context: OtelSpanContext
    /// The link's attributes.
    public var attributes: SpanAttributes
    /// How many attributes were dropped by the limits.
    public var droppedAttributesCount: UInt32

    /// Creates a link.
    public init(context: OtelSpanContext, attributes: SpanAttributes, droppedAttributesCount: UInt32 = 0) {
        self.context = context
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
    }
}

/// An event of a finished span, with the count of attributes the limits dropped.
public struct FinishedEvent: Sendable {
    /// The event name.
    public var name: String
    /// When the event happened, in nanoseconds since the epoch.
    public var timeUnixNano: UInt64
    /// The event attributes.
    public var attributes: SpanAttributes
    /// How many attributes were dropped by the limits.
    public var droppedAttributesCount: UInt32

    /// Creates an event.
    public init(name: String, timeUnixNano: UInt64, attributes: SpanAttributes, droppedAttributesCount: UInt32 = 0) {
        self.name = name
        self.timeUnixNano = timeUnixNano
        self.attributes = attributes
        self.droppedAttributesCount = droppedAttributesCount
    }
}

/// An ended span, as processors and exporters receive it.
public struct FinishedSpan: Sendable {
    /// The span's own context.
    public var context: OtelSpanContext
    /// The parent span id, when the span has a parent.
    public var parentSpanID: SpanID?
    /// Whether the parent came from another process; `nil` when there is no parent.
    public var parentIsRemote: Bool?
    /// The span name.
    public var name: String
    /// The span kind.
    public var kind: SpanKind
    /// Start time, nanoseconds since the epoch.
    public var startTimeUnixNano: UInt64
    /// End time, nanoseconds since the epoch.
    public var endTimeUnixNano: UInt64
    /// The span attributes.
    ///
    /// Read from the span's own store, in the order they were set; reading or writing this property converts to
    /// or from `SpanAttributes`.
    public var attributes: SpanAttributes {
        get { attributeList.spanAttributes }
        set { attributeList = AttributeList(newValue) }
    }
    /// The span attributes as the span stored them.
    package var attributeList: AttributeList
    /// How many attributes the limits dropped.
    public var droppedAttributesCount: UInt32
    /// The span events.
    public var events: [FinishedEvent]
    /// How many events the limits dropped.
    public var droppedEventsCount: UInt32
    /// The span links.
    public var links: [FinishedLink]
    /// How many links the limits dropped.
    public var droppedLinksCount: UInt32
    /// The span status, if one was set.
    public var status: SpanStatus?
    /// The resource of the process that made the span.
    public var resource: OtelResource
    /// The library that made the span.
    public var scope: InstrumentationScope
    /// Whether this is an invocation span (the host marks it); not part of the exported data.
    package var isInvocationSpan = false

    /// Creates a finished span; used by the tracer, by tests and by exporters that build spans themselves.
    public init(
        context: OtelSpanContext,
        parentSpanID: SpanID? = nil,
        parentIsRemote: Bool? = nil,
        name: String,
        kind: SpanKind = .internal,
        startTimeUnixNano: UInt64,
        endTimeUnixNano: UInt64,
        attributes: SpanAttributes = [:],
        droppedAttributesCount: UInt32 = 0,
        events: [FinishedEvent] = [],
        droppedEventsCount: UInt32 = 0,
        links: [FinishedLink] = [],
        droppedLinksCount: UInt32 = 0,
        status: SpanStatus? = nil,
        resource: OtelResource,
        scope: InstrumentationScope = .lambdaOtelLite
    ) {
        self.init(
            context: context, parentSpanID: parentSpanID, parentIsRemote: parentIsRemote, name: name, kind: kind,
            startTimeUnixNano: startTimeUnixNano, endTimeUnixNano: endTimeUnixNano,
            attributeList: AttributeList(attributes), droppedAttributesCount: droppedAttributesCount, status: status,
            resource: resource, scope: scope)
        self.events = events
        self.droppedEventsCount = droppedEventsCount
        self.links = links
        self.droppedLinksCount = droppedLinksCount
    }

    /// Creates a finished span from the span's own attribute store.
    package init(
        context: OtelSpanContext,
        parentSpanID: SpanID?,
        parentIsRemote: Bool?,
        name: String,
        kind: SpanKind,
        startTimeUnixNano: UInt64,
        endTimeUnixNano: UInt64,
        attributeList: AttributeList,
        droppedAttributesCount: UInt32,
        status: SpanStatus?,
        resource: OtelResource,
        scope: InstrumentationScope
    ) {
        self.context = context
        self.parentSpanID = parentSpanID
        self.parentIsRemote = parentIsRemote
        self.name = name
        self.kind = kind
        self.startTimeUnixNano = startTimeUnixNano
        self.endTimeUnixNano = endTimeUnixNano
        self.attributeList = attributeList
        self.droppedAttributesCount = droppedAttributesCount
        self.events = []
        self.droppedEventsCount = 0
        self.links = []
        self.droppedLinksCount = 0
        self.status = status
        self.resource = resource
        self.scope = scope
    }

    /// The OTLP `flags` field: the W3C trace flags, plus whether the parent is known to be remote.
    public var otlpFlags: UInt32 {
        var flags = UInt32(context.flags.rawValue) | 0x100
        if parentIsRemote == true { flags |= 0x200 }
        return flags
    }
}
