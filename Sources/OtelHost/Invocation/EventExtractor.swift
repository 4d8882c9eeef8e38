public import Tracing

/// What kind of event started an invocation (`faas.trigger`).
public struct TriggerType: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The value written as `faas.trigger`.
    public let rawValue: String

    /// Creates a trigger type; custom values are allowed.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// Creates a trigger type from a literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// An HTTP request (API Gateway, ALB, Function URL).
    public static let http: TriggerType = "http"
    /// A change in a data source (S3, DynamoDB).
    public static let datasource: TriggerType = "datasource"
    /// A message (SQS, SNS, Kinesis).
    public static let pubsub: TriggerType = "pubsub"
    /// A schedule.
    public static let timer: TriggerType = "timer"
    /// Anything else.
    public static let other: TriggerType = "other"

    /// The raw value.
    public var description: String { rawValue }
}

/// What an extractor finds in an event: the invocation span's name, kind, attributes, links, trigger, and the
/// headers its parent context is read from.
public struct ExtractedSpan: Sendable {
    /// The span name; `nil` keeps the wrapper's name.
    public var spanName: String?
    /// The span kind; server by default.
    public var kind: SpanKind
    /// Attributes for the invocation span.
    public var attributes: SpanAttributes
    /// Links to other spans.
    ///
    /// The built-in batch plugins (SQS, SNS) hand their links to the span without making a `SpanLink` for each;
    /// reading this property on their result makes them, and changing it keeps them in order.
    public var links: [SpanLink] {
        get {
            preparedLinks.isEmpty ? builtLinks : builtLinks + preparedLinks.map(Self.spanLink)
        }
        set {
            builtLinks = newValue
            preparedLinks = []
        }
        _modify {
            if !preparedLinks.isEmpty {
                builtLinks += preparedLinks.map(Self.spanLink)
                preparedLinks = []
            }
            yield &builtLinks
        }
    }
    /// Links given to the initialiser or set through ``links``.
    package private(set) var builtLinks: [SpanLink]
    /// Links a plugin prepared with valid contexts, after ``builtLinks``: the span takes them as they are,
    /// without a `ServiceContext` for each.
    package var preparedLinks: [FinishedLink] = []

    private static func spanLink(_ link: FinishedLink) -> SpanLink {
        SpanLink(linking: link.context, attributes: link.attributes)
    }
    /// The headers the propagators read; `nil` when the event has none.
    public var carrier: EventHeaders?
    /// The trigger type, written as `faas.trigger`.
    public var trigger: TriggerType
    /// Distinct links the extractor found beyond the span-link limit and did not build: the span counts them in
    /// its dropped links as if they had been added past the limit.
    package var droppedLinkCount: Int = 0

    /// The span-link limit of the span an extraction is for, while ``LambdaTelemetry/extract(rawEvent:)`` runs;
    /// `nil` when an extractor is called directly, so it keeps every link.
    @TaskLocal package static var linkLimit: Int?

    /// Creates an extraction result.
    public init(
        spanName: String? = nil,
        kind: SpanKind = .server,
        attributes: SpanAttributes = [:],
        links: [SpanLink] = [],
        carrier: EventHeaders? = nil,
        trigger: TriggerType = .other
    ) {
        self.spanName = spanName
        self.kind = kind
        self.attributes = attributes
        self.builtLinks = links
        self.carrier = carrier
        self.trigger = trigger
    }
}

/// Recognises an event by its JSON shape and turns it into span attributes.
///
/// Extractors are registered by plugins (``PluginRegistry/registerExtractor(_:)``). For each invocation the
/// event is parsed once, and the first registered extractor whose ``matches(_:)`` says yes extracts from the same
/// parsed value; when none matches, the span gets trigger `other` and the event's top-level `headers` object
/// (string values) as its carrier.
public protocol EventExtractor: Sendable {
    /// A short name for diagnostics (`apigateway-v2`).
    var name: String { get }

    /// Whether the event has this extractor's shape. Must be cheap: it runs for every invocation.
    func matches(_ event: EventValue) -> Bool

    /// The span attributes of an event that ``matches(_:)`` accepted. Must not fail: a missing field means a
    /// missing attribute.
    func extract(_ event: EventValue) -> ExtractedSpan
}

/// The fallback extractor: trigger `other`, and the top-level `headers` object (string values) as carrier.
package struct DefaultEventExtractor: EventExtractor {
    /// Creates the extractor.
    package init() {}

    /// `default`.
    package var name: String { "default" }

    /// Matches every event.
    package func matches(_ event: EventValue) -> Bool { true }

    /// Trigger `other` and the `headers` carrier.
    package func extract(_ event: EventValue) -> ExtractedSpan {
        ExtractedSpan(carrier: EventHeaders(json: event["headers"]), trigger: .other)
    }
}

extension OtelPlugin where Self: EventExtractor {
    /// Registers the extractor itself: an extractor that needs nothing from the environment is its own plugin.
    ///
    /// - Parameter registry: The registry to add the extractor to.
    public func register(into registry: inout PluginRegistry) {
        registry.registerExtractor(self)
    }
}
