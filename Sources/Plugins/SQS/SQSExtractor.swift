public import OtelHost
import OtelPluginSupport
import Tracing

/// Amazon SQS batches (`Records[].eventSource == "aws:sqs"`).
///
/// The span is a CONSUMER span named `{queue} process` (`process` when the queue is unknown) with the OpenTelemetry messaging attributes. Each record
/// that carries the context of the span that sent it — a `traceparent` message attribute, else the
/// `AWSTraceHeader` system attribute set by X-Ray — becomes a link with the record's `messaging.message.id`; a
/// context shared by several records is linked once. Records never become the parent: the parent comes from the
/// invocation's trace header, as for any event without headers.
public struct SQSExtractor: EventExtractor, OtelPlugin {
    /// Creates the extractor.
    public init() {}

    /// `sqs`.
    public var name: String { "sqs" }

    /// The first record's `eventSource` is `aws:sqs`.
    public func matches(_ event: EventValue) -> Bool {
        EventRecords.matches(event, source: "aws:sqs")
    }

    /// The messaging attributes of the batch and a link per distinct sender context.
    public func extract(_ event: EventValue) -> ExtractedSpan {
        let records = EventRecords.records(event)
        var links = MessageLinks(expected: records.count)
        for record in records {
            let (messageAttributes, attributes) = record.members("messageAttributes", "attributes")
            links.add(
                MessageContext.spanContext(
                    traceparent: MessageContext.member(messageAttributes, "traceparent")?["stringValue"],
                    tracestate: MessageContext.member(messageAttributes, "tracestate")?["stringValue"],
                    xray: attributes?["AWSTraceHeader"]),
                messageID: { record["messageId"]?.stringValue })
        }
        return EventRecords.messagingSpan(
            system: "aws_sqs", records: records,
            destination: records.first?["eventSourceARN"]?.stringValue.flatMap(AmazonResourceName.init)?.name,
            messageID: { $0["messageId"]?.stringValue }, links: links.links, droppedLinkCount: links.droppedCount)
    }
}

/// The SQS plugin: the extractor, which registers itself.
public typealias SQSPlugin = SQSExtractor
