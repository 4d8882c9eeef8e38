package import OtelHost
package import Tracing

/// The `Records` of an event-source batch (SQS, SNS, S3, DynamoDB Streams, Kinesis).
package enum EventRecords {
    /// Whether the event is a `Records` batch whose first record says it comes from `source`.
    ///
    /// Only the first record is read, so detection costs the same for a batch of one and of ten thousand; Lambda
    /// never mixes sources in one batch.
    ///
    /// - Parameters:
    ///   - event: The parsed event.
    ///   - key: The record's source field: `eventSource`, or `EventSource` for SNS.
    ///   - source: The expected value, such as `aws:sqs`.
    package static func matches(_ event: EventValue, key: String = "eventSource", source: String) -> Bool {
        guard let first = event["Records"]?.elements?.first else { return false }
        return first[key]?.stringValue == source
    }

    /// The records of the batch; empty when `Records` is not an array.
    package static func records(_ event: EventValue) -> [EventValue] {
        event["Records"]?.arrayValue ?? []
    }

    /// The CONSUMER span of a batch of messages (SQS, SNS, Kinesis), with trigger `pubsub`: named
    /// `{destination} process` (`process` when the destination is unknown), with `messaging.system`,
    /// `messaging.operation.type` `process`, `messaging.batch.message_count`, `messaging.destination.name` and,
    /// for a batch of one, `messaging.message.id`.
    ///
    /// - Parameters:
    ///   - system: `messaging.system`, such as `aws_sqs`.
    ///   - records: The records of the batch.
    ///   - destination: The queue, topic or stream, when the batch names it.
    ///   - messageID: The id of a record's message; only read for a batch of one.
    ///   - links: Links to the spans the messages were sent from.
    package static func messagingSpan(
        system: String, records: [EventValue], destination: String?,
        messageID: (EventValue) -> String? = { _ in nil }, links: [SpanLink] = []
    ) -> ExtractedSpan {
        var attributes = SpanAttributes()
        attributes.set("messaging.system", value: .string(system))
        attributes.set("messaging.operation.type", value: "process")
        attributes.set("messaging.batch.message_count", value: .int64(Int64(records.count)))
        if let destination { attributes.set("messaging.destination.name", value: .string(destination)) }
        if records.count == 1, let id = messageID(records[0]) {
            attributes.set("messaging.message.id", value: .string(id))
        }
        return ExtractedSpan(
            spanName: destination.map { "\($0) process" } ?? "process", kind: .consumer, attributes: attributes,
            links: links, carrier: nil, trigger: .pubsub)
    }
}

/// An Amazon Resource Name, `arn:partition:service:region:account-id:resource`, in any partition (`aws`,
/// `aws-cn`, `aws-us-gov`, …).
package struct AmazonResourceName: Sendable, Hashable {
    /// The partition: `aws`, `aws-cn`, `aws-us-gov`.
    package let partition: String
    /// The service: `sqs`, `dynamodb`, `kinesis`.
    package let service: String
    /// The region; empty for global resources such as S3 buckets.
    package let region: String
    /// The account id; empty for S3 buckets.
    package let account: String
    /// Everything after the fifth `:`, colons included: `my-queue`, `table/Orders/stream/2024-05-01T12:00:00.000`.
    package let resource: String

    /// Parses an ARN; `nil` when the text is not one.
    package init?(_ text: String) {
        let fields = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "arn", !fields[1].isEmpty, !fields[2].isEmpty, !fields[5].isEmpty else {
            return nil
        }
        partition = String(fields[1])
        service = String(fields[2])
        region = String(fields[3])
        account = String(fields[4])
        resource = String(fields[5])
    }

    /// The resource's name when the resource is a plain name (SQS queues, SNS topics): the resource itself.
    package var name: String { resource }

    /// The name of a typed resource, `type/name/…`: `table/Orders/stream/…` gives `Orders` for `table`,
    /// `stream/my-stream/consumer/…` gives `my-stream` for `stream`; `nil` when the resource is of another type.
    package func name(ofType type: String) -> String? {
        let parts = resource.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == type, !parts[1].isEmpty else { return nil }
        return String(parts[1])
    }

    /// The last `/`-separated component of the resource: `rule/my-bus/my-rule` gives `my-rule`.
    package var lastPathComponent: String? {
        guard let last = resource.split(separator: "/", omittingEmptySubsequences: false).last, !last.isEmpty else {
            return nil
        }
        return String(last)
    }
}

/// Reading trace context from message attributes.
package enum MessageContext {
    /// The link to the span a message was sent from: its `traceparent` (with `tracestate`) when that is valid,
    /// else its X-Ray header; `nil` when neither is valid.
    ///
    /// - Parameters:
    ///   - traceparent: The message's `traceparent` value, if any.
    ///   - tracestate: The message's `tracestate` value, if any.
    ///   - xray: The message's X-Ray trace header, if any.
    ///   - messageID: The message id, written as the link's `messaging.message.id`.
    package static func link(
        traceparent: String?, tracestate: String?, xray: String?, messageID: String?
    ) -> SpanLink? {
        var attributes = SpanAttributes()
        if let messageID { attributes.set("messaging.message.id", value: .string(messageID)) }
        if let traceparent, let link = SpanLink.fromTraceparent(traceparent, tracestate: tracestate, attributes: attributes) {
            return link
        }
        if let xray { return SpanLink.fromXRayHeader(xray, attributes: attributes) }
        return nil
    }

    /// The member of an object whose key equals `name` without regard to ASCII case (an exact match first).
    package static func member(_ object: EventValue?, _ name: String) -> EventValue? {
        object?.member(ignoringASCIICase: name)
    }
}
