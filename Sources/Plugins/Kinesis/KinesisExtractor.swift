public import OtelHost
import OtelPluginSupport
import Tracing

/// Amazon Kinesis Data Streams batches (`Records[].eventSource == "aws:kinesis"`).
///
/// The span is a CONSUMER span named `{stream} process` (`process` when the stream is unknown) with the
/// OpenTelemetry messaging attributes. The stream name is read from the record's `eventSourceARN`, whether it
/// names the stream (`stream/my-stream`) or an enhanced fan-out consumer (`stream/my-stream/consumer/…`).
public struct KinesisExtractor: EventExtractor, OtelPlugin {
    /// Creates the extractor.
    public init() {}

    /// `kinesis`.
    public var name: String { "kinesis" }

    /// The first record's `eventSource` is `aws:kinesis`.
    public func matches(_ event: EventValue) -> Bool {
        EventRecords.matches(event, source: "aws:kinesis")
    }

    /// The messaging attributes of the batch.
    public func extract(_ event: EventValue) -> ExtractedSpan {
        let records = EventRecords.records(event)
        let stream = records.first?["eventSourceARN"]?.stringValue
            .flatMap(AmazonResourceName.init)?.name(ofType: "stream")
        return EventRecords.messagingSpan(system: "aws_kinesis", records: records, destination: stream)
    }
}

/// The Kinesis plugin: the extractor, which registers itself.
public typealias KinesisPlugin = KinesisExtractor
