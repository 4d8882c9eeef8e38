import OtelHost
import OtelSQS
import OtlpStdoutDecoding
import PluginTestSupport
import Testing
import Tracing

/// An SQS record as Lambda delivers it.
func sqsRecord(
    id: String, traceparent: String? = nil, tracestate: String? = nil, xray: String? = nil,
    arn: String = "arn:aws:sqs:us-east-2:123456789012:orders-queue"
) -> String {
    var messageAttributes: [String] = []
    if let traceparent {
        messageAttributes.append(#""traceparent":{"stringValue":"\#(traceparent)","stringListValues":[],"binaryListValues":[],"dataType":"String"}"#)
    }
    if let tracestate {
        messageAttributes.append(#""tracestate":{"stringValue":"\#(tracestate)","stringListValues":[],"binaryListValues":[],"dataType":"String"}"#)
    }
    let trace = xray.map { #","AWSTraceHeader":"\#($0)""# } ?? ""
    return #"""
    {"messageId":"\#(id)","receiptHandle":"AQEB\#(id)","body":"{}",
     "attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1714564800000","SenderId":"AIDAEXAMPLE",
       "ApproximateFirstReceiveTimestamp":"1714564800001"\#(trace)},
     "messageAttributes":{\#(messageAttributes.joined(separator: ","))},"md5OfBody":"99914b932bd37a50b983c5e7c90ae93b",
     "eventSource":"aws:sqs","eventSourceARN":"\#(arn)","awsRegion":"us-east-2"}
    """#
}

func sqsEvent(_ records: [String]) -> String {
    #"{"Records":[\#(records.joined(separator: ","))]}"#
}

/// A `traceparent` with trace id and span id made from `n`.
func traceparent(_ n: Int, flags: String = "01") -> String {
    let hex = String(n, radix: 16)
    let span = String(repeating: "0", count: 16 - hex.count) + hex
    return "00-\(String(repeating: "a", count: 16))\(span)-\(span)-\(flags)"
}

let runtimeHeader = "Root=1-6631a0c0-0123456789abcdef01234567;Parent=89abcdef01234567;Sampled=1"

struct SQSTests {
    func run(_ event: String, environment: [String: String] = [:], traceHeader: String? = runtimeHeader) async throws
        -> DecodedSpan
    {
        let exported = try await invoke(event, plugins: [SQSPlugin()], environment: environment, traceHeader: traceHeader)
        #expect(exported.spans.count == 1)
        #expect(exported.invocationSpans.count == 1)
        return try #require(exported.invocationSpans.first)
    }

    @Test func sampleBatchWithXRayTraceparentAndNoHeader() async throws {
        let span = try await run(try exampleEvent("sqs_batch.json"))
        #expect(span.name == "orders-queue process")
        #expect(span.kindName == "CONSUMER")
        let a = span.attributes
        #expect(a["faas.trigger"] == .string("pubsub"))
        #expect(a["messaging.system"] == .string("aws_sqs"))
        #expect(a["messaging.operation.type"] == .string("process"))
        #expect(a["messaging.destination.name"] == .string("orders-queue"))
        #expect(a["messaging.batch.message_count"] == .int(3))
        #expect(a["messaging.message.id"] == nil)
        // The parent is the runtime's trace header, never a record.
        #expect(span.traceID == "6631a0c00123456789abcdef01234567")
        #expect(span.parentSpanID == "89abcdef01234567")
        #expect(span.links.count == 2)
        #expect(span.droppedLinksCount == 0)
        let xray = try #require(span.links.first)
        #expect(xray.traceID == "5759e988bd862e3fe1be46a994272793")
        #expect(xray.spanID == "53995c3f42cd8ad8")
        #expect(xray.messageID == "059f36b4-87a3-44ab-83d2-661975830a7d")
        let w3c = try #require(span.links.last)
        #expect(w3c.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(w3c.spanID == "00f067aa0ba902b7")
        #expect(w3c.traceState == "vendor=opaque")
        #expect(w3c.messageID == "2e1424d4-f796-459a-8184-9c92662be6da")
        #expect(w3c.attributes.count == 1)
    }

    @Test func oneRecordHasTheMessageID() async throws {
        let span = try await run(sqsEvent([sqsRecord(id: "m-1", traceparent: traceparent(1))]))
        #expect(span.attributes["messaging.message.id"] == .string("m-1"))
        #expect(span.attributes["messaging.batch.message_count"] == .int(1))
        #expect(span.links.map(\.spanID) == ["0000000000000001"])
        #expect(span.links.first?.messageID == "m-1")
    }

    @Test func recordsWithoutOrWithMalformedHeadersGetNoLink() async throws {
        let span = try await run(sqsEvent([
            sqsRecord(id: "bad-w3c", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"),
            sqsRecord(id: "zero-ids", traceparent: "00-00000000000000000000000000000000-0000000000000000-01"),
            sqsRecord(id: "bad-xray", xray: "Root=1-zzzz;Parent=53995c3f42cd8ad8;Sampled=1"),
            sqsRecord(id: "nothing"),
            sqsRecord(id: "good", traceparent: traceparent(7)),
        ]))
        #expect(span.links.count == 1)
        #expect(span.links.first?.messageID == "good")
        #expect(span.droppedLinksCount == 0)
        #expect(span.attributes["messaging.batch.message_count"] == .int(5))
    }

    @Test func aMalformedTraceparentFallsBackToTheRecordsXRayHeader() async throws {
        let span = try await run(sqsEvent([
            sqsRecord(id: "m", traceparent: "garbage", xray: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"),
        ]))
        #expect(span.links.map(\.spanID) == ["53995c3f42cd8ad8"])
    }

    @Test func aValidTraceparentWinsOverTheXRayHeaderOfTheSameRecord() async throws {
        let span = try await run(sqsEvent([
            sqsRecord(id: "m", traceparent: traceparent(9), xray: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"),
        ]))
        #expect(span.links.map(\.spanID) == ["0000000000000009"])
    }

    @Test func unsampledAndDeferredXRayHeadersAreStillLinks() async throws {
        let span = try await run(sqsEvent([
            sqsRecord(id: "zero", xray: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000001;Sampled=0"),
            sqsRecord(id: "question", xray: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000002;Sampled=?"),
            sqsRecord(id: "missing", xray: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000003"),
        ]))
        #expect(span.links.map(\.messageID) == ["zero", "question", "missing"])
        #expect(span.links.allSatisfy { $0.traceID == "5759e988bd862e3fe1be46a994272793" })
    }

    @Test func recordsFromOneProducerSpanGiveOneLink() async throws {
        let shared = traceparent(42)
        let span = try await run(sqsEvent([
            sqsRecord(id: "first", traceparent: shared),
            sqsRecord(id: "second", traceparent: shared),
            sqsRecord(id: "other", traceparent: traceparent(43)),
            sqsRecord(id: "third", traceparent: shared, tracestate: "a=b"),
        ]))
        #expect(span.links.map(\.messageID) == ["first", "other"])
        #expect(span.droppedLinksCount == 0)
    }

    @Test func aThousandRecordBatchKeepsTheLinkLimitAndCountsTheRest() async throws {
        let records = (1...1000).map { sqsRecord(id: "m-\($0)", traceparent: traceparent($0)) }
        let span = try await run(sqsEvent(records))
        #expect(span.attributes["messaging.batch.message_count"] == .int(1000))
        #expect(span.links.count == 128)
        #expect(span.droppedLinksCount == 872)
        #expect(span.links.first?.messageID == "m-1")
        #expect(span.links.last?.messageID == "m-128")

        let limited = try await run(sqsEvent(records), environment: ["OTEL_SPAN_LINK_COUNT_LIMIT": "10"])
        #expect(limited.links.count == 10)
        #expect(limited.droppedLinksCount == 990)
    }

    @Test func aLargeBatchCountsEachDistinctSenderOnce() async throws {
        // 1,500 senders (more than the dedupe table is first sized for), each sending one or two of the 2,500
        // messages, some by X-Ray header: every sender is linked or counted once, however far apart its messages.
        let records = (0..<2_500).map { i in
            let sender = i % 1_500 + 1
            if sender % 7 == 0 {
                let id = String(repeating: "0", count: 16 - String(sender, radix: 16).count) + String(sender, radix: 16)
                return sqsRecord(id: "m-\(i)", xray: "Root=1-aaaaaaaa-aaaaaaaa\(id);Parent=\(id);Sampled=1")
            }
            return sqsRecord(id: "m-\(i)", traceparent: traceparent(sender))
        }
        let span = try await run(sqsEvent(records))
        #expect(span.attributes["messaging.batch.message_count"] == .int(2_500))
        #expect(span.links.count == 128)
        #expect(span.droppedLinksCount == 1_500 - 128)
        #expect(Set(span.links.map(\.spanID)).count == 128)
    }

    /// The SQS extractor called as if outside an extraction, so it prepares every link it finds.
    struct EveryLinkSQS: EventExtractor, OtelPlugin {
        var name: String { "sqs-every-link" }
        func matches(_ event: EventValue) -> Bool { SQSExtractor().matches(event) }
        func extract(_ event: EventValue) -> ExtractedSpan {
            ExtractedSpan.$linkLimit.withValue(nil) { SQSExtractor().extract(event) }
        }
    }

    @Test func preparedLinksPastTheSpanLimitAreCountedByTheSpan() async throws {
        let records = (1...1000).map { sqsRecord(id: "m-\($0)", traceparent: traceparent($0)) }
        let exported = try await invoke(sqsEvent(records), plugins: [EveryLinkSQS()], traceHeader: runtimeHeader)
        let span = try #require(exported.invocationSpans.first)
        #expect(span.links.count == 128)
        #expect(span.droppedLinksCount == 872)
        #expect(span.links.map(\.messageID) == (1...128).map { "m-\($0)" })
    }

    @Test func aPluginsLinksReadAndChangeAsOneList() throws {
        let records = (1...3).map { sqsRecord(id: "m-\($0)", traceparent: traceparent($0)) }
        let event = try #require(EventValue(parsing: sqsEvent(records)))
        var extracted = SQSExtractor().extract(event)
        #expect(extracted.links.count == 3)
        #expect(extracted.links.count == 3)
        let extra = try #require(SpanLink.fromTraceparent(traceparent(99), attributes: [:]))
        extracted.links.append(extra)
        extracted.links.append(extra)
        let spanIDs = extracted.links.compactMap { $0.context.otelSpanContext.map { String(describing: $0.spanID) } }
        #expect(spanIDs == ["0000000000000001", "0000000000000002", "0000000000000003", "0000000000000063", "0000000000000063"])
        extracted.links = []
        #expect(extracted.links.isEmpty)
    }

    @Test(arguments: [
        ("arn:aws-cn:sqs:cn-north-1:123456789012:orders-cn", "orders-cn"),
        ("arn:aws-us-gov:sqs:us-gov-west-1:123456789012:orders-gov.fifo", "orders-gov.fifo"),
        ("arn:aws:sqs:eu-west-1:123456789012:dlq", "dlq"),
    ])
    func queueNameInEveryPartition(arn: String, queue: String) async throws {
        let span = try await run(sqsEvent([sqsRecord(id: "m", arn: arn)]))
        #expect(span.name == "\(queue) process")
        #expect(span.attributes["messaging.destination.name"] == .string(queue))
    }

    @Test func withoutARuntimeHeaderTheInvocationStartsATrace() async throws {
        let span = try await run(sqsEvent([sqsRecord(id: "m", traceparent: traceparent(5))]), traceHeader: nil)
        #expect(span.parentSpanID == nil)
        #expect(span.traceID != "aaaaaaaaaaaaaaaa0000000000000005")
        #expect(span.links.count == 1)
    }

    @Test func shapeDetection() throws {
        let extractor = SQSExtractor()
        #expect(extractor.matches(try JSONValue(parsing: sqsEvent([sqsRecord(id: "m")]))))
        #expect(!extractor.matches(try JSONValue(parsing: #"{"Records":[]}"#)))
        #expect(!extractor.matches(try JSONValue(parsing: #"{"Records":[{"eventSource":"aws:sns"}]}"#)))
        #expect(!extractor.matches(try JSONValue(parsing: #"{"Records":{"eventSource":"aws:sqs"}}"#)))
        #expect(!extractor.matches(try JSONValue(parsing: #"[{"eventSource":"aws:sqs"}]"#)))
        // Wrong types everywhere: fewer attributes, never a crash.
        let odd = extractor.extract(try JSONValue(parsing: #"{"Records":[{"eventSource":"aws:sqs","eventSourceARN":7,"messageAttributes":[],"attributes":"x"},3]}"#))
        #expect(odd.spanName == "process")
        #expect(odd.links.isEmpty)
        #expect(odd.carrier == nil)
    }
}
