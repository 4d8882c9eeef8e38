import OtelHost
import OtelSNS
import OtlpStdoutDecoding
import PluginTestSupport
import Testing
import Tracing

/// An SNS record as Lambda delivers it.
func snsRecord(
    id: String, attributes: [(String, String)] = [],
    topicARN: String = "arn:aws:sns:us-east-1:123456789012:order-events"
) -> String {
    let messageAttributes = attributes.map { #""\#($0.0)":{"Type":"String","Value":"\#($0.1)"}"# }
    return #"""
    {"EventVersion":"1.0","EventSubscriptionArn":"\#(topicARN):c9135db0-26c4-47ec-8998-413945fb5a96",
     "EventSource":"aws:sns",
     "Sns":{"SignatureVersion":"1","Timestamp":"2024-05-01T12:00:00.000Z","Signature":"EXAMPLE",
       "SigningCertUrl":"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
       "MessageId":"\#(id)","Message":"hello","MessageAttributes":{\#(messageAttributes.joined(separator: ","))},
       "Type":"Notification","UnsubscribeUrl":"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
       "TopicArn":"\#(topicARN)","Subject":null}}
    """#
}

func snsEvent(_ records: [String]) -> String {
    #"{"Records":[\#(records.joined(separator: ","))]}"#
}

func traceparent(_ n: Int) -> String {
    let hex = String(n, radix: 16)
    let span = String(repeating: "0", count: 16 - hex.count) + hex
    return "00-bbbbbbbbbbbbbbbb\(span)-\(span)-01"
}

struct SNSTests {
    func run(_ event: String, environment: [String: String] = [:], traceHeader: String? = nil) async throws -> DecodedSpan {
        let exported = try await invoke(event, plugins: [SNSPlugin()], environment: environment, traceHeader: traceHeader)
        #expect(exported.spans.count == 1)
        return try #require(exported.invocationSpans.first)
    }

    @Test func sampleNotification() async throws {
        let header = "Root=1-6631a0c0-0123456789abcdef01234567;Parent=89abcdef01234567;Sampled=1"
        let span = try await run(try exampleEvent("sns.json"), traceHeader: header)
        #expect(span.name == "order-events process")
        #expect(span.kindName == "CONSUMER")
        let a = span.attributes
        #expect(a["faas.trigger"] == .string("pubsub"))
        #expect(a["messaging.system"] == .string("aws_sns"))
        #expect(a["messaging.destination.name"] == .string("order-events"))
        #expect(a["messaging.batch.message_count"] == .int(1))
        #expect(a["messaging.message.id"] == .string("95df01b4-ee98-5cb9-9903-4c221d41eb5e"))
        #expect(span.parentSpanID == "89abcdef01234567")
        #expect(span.traceID == "6631a0c00123456789abcdef01234567")
        // traceparent wins over the X-Ray attribute of the same message.
        #expect(span.links.count == 1)
        let link = try #require(span.links.first)
        #expect(link.traceID == "0af7651916cd43dd8448eb211c80319c")
        #expect(link.spanID == "b7ad6b7169203331")
        #expect(link.messageID == "95df01b4-ee98-5cb9-9903-4c221d41eb5e")
    }

    @Test func xrayMessageAttributeAloneIsALink() async throws {
        let span = try await run(snsEvent([
            snsRecord(id: "n-1", attributes: [("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0")]),
        ]))
        #expect(span.links.map(\.spanID) == ["53995c3f42cd8ad8"])
        #expect(span.links.first?.traceID == "5759e988bd862e3fe1be46a994272793")
        #expect(span.parentSpanID == nil)
    }

    @Test func multiRecordBatchWithMissingAndMalformedHeaders() async throws {
        let span = try await run(snsEvent([
            snsRecord(id: "a", attributes: [("traceparent", traceparent(1)), ("tracestate", "k=v")]),
            snsRecord(id: "b"),
            snsRecord(id: "c", attributes: [("traceparent", "00-xyz-abc-01"), ("X-Amzn-Trace-Id", "Root=;Parent=")]),
            snsRecord(id: "d", attributes: [("traceparent", traceparent(1))]),
            snsRecord(id: "e", attributes: [("traceparent", traceparent(2))]),
        ]))
        #expect(span.attributes["messaging.batch.message_count"] == .int(5))
        #expect(span.attributes["messaging.message.id"] == nil)
        #expect(span.links.map(\.messageID) == ["a", "e"])
        #expect(span.links.first?.traceState == "k=v")
        #expect(span.droppedLinksCount == 0)
    }

    @Test func aThousandRecordBatchKeepsTheLinkLimit() async throws {
        let records = (1...1000).map { snsRecord(id: "n-\($0)", attributes: [("traceparent", traceparent($0))]) }
        let span = try await run(snsEvent(records), environment: ["OTEL_SPAN_LINK_COUNT_LIMIT": "32"])
        #expect(span.links.count == 32)
        #expect(span.droppedLinksCount == 968)
        #expect(span.links.last?.messageID == "n-32")
    }

    @Test(arguments: [
        ("arn:aws-cn:sns:cn-northwest-1:123456789012:alerts", "alerts"),
        ("arn:aws-us-gov:sns:us-gov-east-1:123456789012:audit.fifo", "audit.fifo"),
    ])
    func topicNameInEveryPartition(arn: String, topic: String) async throws {
        let span = try await run(snsEvent([snsRecord(id: "n", topicARN: arn)]))
        #expect(span.name == "\(topic) process")
        #expect(span.attributes["messaging.destination.name"] == .string(topic))
    }

    @Test func shapeDetection() throws {
        let extractor = SNSExtractor()
        #expect(extractor.matches(try JSONValue(parsing: snsEvent([snsRecord(id: "n")]))))
        #expect(!extractor.matches(try JSONValue(parsing: #"{"Records":[{"eventSource":"aws:sns"}]}"#)))
        #expect(!extractor.matches(try JSONValue(parsing: #"{"Records":[{"EventSource":"aws:sqs"}]}"#)))
        let odd = extractor.extract(try JSONValue(parsing: #"{"Records":[{"EventSource":"aws:sns","Sns":{"TopicArn":"not-an-arn","MessageAttributes":{"traceparent":"raw"}}}]}"#))
        #expect(odd.spanName == "process")
        #expect(odd.links.isEmpty)
    }
}
