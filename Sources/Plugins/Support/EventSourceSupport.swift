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

    /// The records of the batch, read in place; empty when `Records` is not an array.
    package static func records(_ event: EventValue) -> EventValue.Elements {
        event["Records"]?.elements ?? EventValue.Elements(noneIn: event)
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
    ///   - links: Links to the spans the messages were sent from, each with a valid context (as ``MessageLinks``
    ///     builds them).
    ///   - droppedLinkCount: Distinct links past the span-link limit that were not built.
    package static func messagingSpan(
        system: String, records: EventValue.Elements, destination: String?,
        messageID: (EventValue) -> String? = { _ in nil }, links: [FinishedLink] = [], droppedLinkCount: Int = 0
    ) -> ExtractedSpan {
        var attributes = SpanAttributes()
        attributes.set("messaging.system", value: .string(system))
        attributes.set("messaging.operation.type", value: "process")
        attributes.set("messaging.batch.message_count", value: .int64(Int64(records.count)))
        if let destination { attributes.set("messaging.destination.name", value: .string(destination)) }
        if records.count == 1, let first = records.first, let id = messageID(first) {
            attributes.set("messaging.message.id", value: .string(id))
        }
        var span = ExtractedSpan(
            spanName: destination.map { "\($0) process" } ?? "process", kind: .consumer, attributes: attributes,
            carrier: nil, trigger: .pubsub)
        span.preparedLinks = links
        span.droppedLinkCount = droppedLinkCount
        return span
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

    /// The context of the span a message was sent from: its `traceparent` (with `tracestate`) when that is valid,
    /// else its X-Ray header; `nil` when neither is valid. Values that are not strings are ignored.
    ///
    /// Reads the event's bytes directly when it can: a `traceparent` without `tracestate` and an X-Ray header
    /// are parsed without making strings.
    package static func spanContext(traceparent: EventValue?, tracestate: EventValue?, xray: EventValue?) -> OtelSpanContext? {
        if let traceparent, let context = traceparentContext(traceparent, tracestate: tracestate?.stringValue) {
            return context
        }
        guard let xray else { return nil }
        if let context = xray.withRawString({ XRayPropagator.parse(utf8: $0) }) { return context }
        return xray.stringValue.flatMap(XRayPropagator.parse)
    }

    private static func traceparentContext(_ traceparent: EventValue, tracestate: String?) -> OtelSpanContext? {
        if tracestate == nil || tracestate?.isEmpty == true {
            if let context = traceparent.withRawString({ W3CTraceContextPropagator.parseTraceparent(utf8: $0) }) {
                return context
            }
        }
        guard let value = traceparent.stringValue else { return nil }
        var headers = EventHeaders()
        headers.setValue(value, forHeader: "traceparent")
        if let tracestate { headers.setValue(tracestate, forHeader: "tracestate") }
        return W3CTraceContextPropagator().extract(from: headers)
    }

    /// The member of an object whose key equals `name` without regard to ASCII case (an exact match first).
    package static func member(_ object: EventValue?, _ name: String) -> EventValue? {
        object?.member(ignoringASCIICase: name)
    }
}

/// The links of a batch of messages: each linked span once, in the order first seen, as ``TraceLinks`` keeps
/// them, but built only while the span can keep them.
///
/// While ``LambdaTelemetry/extract(rawEvent:)`` runs, the span-link limit is known: distinct links past it are
/// counted instead of built, and the span counts them in `dropped_links_count` as it would have. Called outside
/// it, every link is built.
package struct MessageLinks {
    /// The links, each linked span once, up to the limit.
    package private(set) var links: [FinishedLink] = []
    /// Distinct links past the limit, not built.
    package private(set) var droppedCount = 0
    private var seen: SpanIdentitySet
    private let limit: Int

    /// Creates an empty set of links for a batch of `expected` messages.
    package init(expected: Int) {
        limit = ExtractedSpan.linkLimit ?? .max
        // Sized for the batch up to 1,024 senders (48 KB); a batch with more distinct senders grows it.
        seen = SpanIdentitySet(expected: min(expected, 1024))
    }

    /// Adds a link to `context` with the message's `messaging.message.id`, unless a link to the same span is
    /// already there; `nil` and invalid contexts are ignored.
    ///
    /// - Parameters:
    ///   - context: The sender's span context.
    ///   - messageID: The message id; read only when the link is built.
    package mutating func add(_ context: OtelSpanContext?, messageID: () -> String?) {
        guard let context, context.isValid else { return }
        let words = context.traceID.words
        guard seen.insert(high: words.high, low: words.low, span: context.spanID.value) else { return }
        guard links.count < limit else {
            droppedCount += 1
            return
        }
        var attributes = SpanAttributes()
        if let messageID = messageID() { attributes.set("messaging.message.id", value: .string(messageID)) }
        links.append(FinishedLink(context: context, attributes: attributes))
    }
}

/// The spans a batch has linked so far, by trace id and span id: an open-addressing table of the three words, where
/// a span id of zero (never valid) marks an empty slot.
///
/// Each word goes through its own multiply and shift round after a per-process random seed, so no choice of ids
/// made in advance (by whoever sends to the queue) lands them in one probe chain.
struct SpanIdentitySet {
    private var slots: [(high: UInt64, low: UInt64, span: UInt64)]
    private var count = 0
    private var mask: Int

    /// A set sized for `expected` spans without growing.
    init(expected: Int) {
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        slots = Array(repeating: (0, 0, 0), count: capacity)
        mask = capacity - 1
    }

    /// Adds the span; `false` when it was already there. A span id of zero is never stored (it is not valid).
    mutating func insert(high: UInt64, low: UInt64, span: UInt64) -> Bool {
        guard span != 0 else { return false }
        if (count + 1) * 2 > slots.count { grow() }
        var index = Self.slot(high: high, low: low, span: span, mask: mask)
        while true {
            let slot = slots[index]
            if slot.span == 0 {
                slots[index] = (high, low, span)
                count += 1
                return true
            }
            if slot.span == span && slot.low == low && slot.high == high { return false }
            index = (index + 1) & mask
        }
    }

    private static let seed = UInt64.random(in: .min ... .max)

    private static func slot(high: UInt64, low: UInt64, span: UInt64, mask: Int) -> Int {
        var hash = (seed ^ high) &* 0x9E37_79B9_7F4A_7C15
        hash ^= hash >> 32
        hash = (hash ^ low) &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 29
        hash = (hash ^ span) &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 32
        return Int(truncatingIfNeeded: hash) & mask
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: (0, 0, 0), count: old.count * 2)
        mask = slots.count - 1
        for slot in old where slot.span != 0 {
            var index = Self.slot(high: slot.high, low: slot.low, span: slot.span, mask: mask)
            while slots[index].span != 0 { index = (index + 1) & mask }
            slots[index] = slot
        }
    }
}
