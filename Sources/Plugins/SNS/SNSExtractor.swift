public import OtelHost
import OtelPluginSupport
import Tracing

/// Amazon SNS notifications (`Records[].EventSource == "aws:sns"`).
///
/// The span is a CONSUMER span named `{topic} process` (`process` when the topic is unknown) with the
/// OpenTelemetry messaging attributes. A record whose message attributes carry the sender's context — a
/// `traceparent` (with `tracestate`), else an `X-Amzn-Trace-Id`, each as `{"Type":"String","Value":…}` — becomes a
/// link with the record's `messaging.message.id`. Records never become the parent.
public struct SNSExtractor: EventExtractor, OtelPlugin {
    /// Creates the extractor.
    public init() {}

    /// `sns`.
    public var name: String { "sns" }

    /// The first record's `EventSource` is `aws:sns`.
    public func matches(_ event: EventValue) -> Bool {
        EventRecords.matches(event, key: "EventSource", source: "aws:sns")
    }

    /// The messaging attributes of the notification and a link per distinct sender context.
    public func extract(_ event: EventValue) -> ExtractedSpan {
        let records = EventRecords.records(event)
        var links = MessageLinks(expected: records.count)
        for record in records {
            let notification = record["Sns"]
            let messageAttributes = notification?["MessageAttributes"]
            func value(_ name: String) -> EventValue? {
                MessageContext.member(messageAttributes, name)?["Value"]
            }
            links.add(
                MessageContext.spanContext(
                    traceparent: value("traceparent"), tracestate: value("tracestate"), xray: value("X-Amzn-Trace-Id")),
                messageID: { notification?["MessageId"]?.stringValue })
        }
        // Lambda delivers one notification per invocation; a batch of several has no single message id.
        return EventRecords.messagingSpan(
            system: "aws_sns", records: records,
            destination: records.first?["Sns"]?["TopicArn"]?.stringValue.flatMap(AmazonResourceName.init)?.name,
            messageID: { $0["Sns"]?["MessageId"]?.stringValue }, links: links.links, droppedLinkCount: links.droppedCount)
    }
}

/// The SNS plugin: the extractor, which registers itself.
public typealias SNSPlugin = SNSExtractor
