import OtelHost
import OtelKinesis
import OtlpStdoutDecoding
import PluginTestSupport
import Testing
import Tracing

func kinesisRecord(n: Int, arn: String = "arn:aws:kinesis:us-east-2:123456789012:stream/clickstream") -> String {
    #"""
    {"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"\#(n % 7)","sequenceNumber":"4959033827149025660855969253836157\#(n)",
       "data":"SGVsbG8=","approximateArrivalTimestamp":1545084650.987},
     "eventSource":"aws:kinesis","eventVersion":"1.0","eventID":"shardId-000000000006:4959\#(n)",
     "eventName":"aws:kinesis:record","invokeIdentityArn":"arn:aws:iam::123456789012:role/lambda-role",
     "awsRegion":"us-east-2","eventSourceARN":"\#(arn)"}
    """#
}

func kinesisEvent(_ records: [String]) -> String {
    #"{"Records":[\#(records.joined(separator: ","))]}"#
}

struct KinesisTests {
    func run(_ event: String, traceHeader: String? = nil) async throws -> DecodedSpan {
        let exported = try await invoke(event, plugins: [KinesisPlugin()], traceHeader: traceHeader)
        #expect(exported.spans.count == 1)
        return try #require(exported.invocationSpans.first)
    }

    @Test func sampleBatch() async throws {
        let header = "Root=1-6631a0c0-0123456789abcdef01234567;Parent=89abcdef01234567;Sampled=1"
        let span = try await run(try exampleEvent("kinesis.json"), traceHeader: header)
        #expect(span.name == "clickstream process")
        #expect(span.kindName == "CONSUMER")
        let a = span.attributes
        #expect(a["faas.trigger"] == .string("pubsub"))
        #expect(a["messaging.system"] == .string("aws_kinesis"))
        #expect(a["messaging.operation.type"] == .string("process"))
        #expect(a["messaging.destination.name"] == .string("clickstream"))
        #expect(a["messaging.batch.message_count"] == .int(2))
        #expect(span.parentSpanID == "89abcdef01234567")
        #expect(span.links.isEmpty)
    }

    @Test func aThousandRecordBatch() async throws {
        let span = try await run(kinesisEvent((0..<1000).map { kinesisRecord(n: $0) }))
        #expect(span.attributes["messaging.batch.message_count"] == .int(1000))
        #expect(span.name == "clickstream process")
    }

    @Test(arguments: [
        ("arn:aws-cn:kinesis:cn-north-1:123456789012:stream/events-cn", "events-cn"),
        ("arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/audit", "audit"),
        // Enhanced fan-out: the consumer ARN names the stream too.
        ("arn:aws:kinesis:us-east-2:123456789012:stream/clicks/consumer/reporting:1714564800", "clicks"),
    ])
    func streamNameInEveryPartition(arn: String, stream: String) async throws {
        let span = try await run(kinesisEvent([kinesisRecord(n: 1, arn: arn)]))
        #expect(span.name == "\(stream) process")
        #expect(span.attributes["messaging.destination.name"] == .string(stream))
    }

    @Test func shapeDetection() throws {
        let extractor = KinesisExtractor()
        #expect(extractor.matches(try JSONValue(parsing: kinesisEvent([kinesisRecord(n: 1)]))))
        #expect(!extractor.matches(try JSONValue(parsing: #"{"Records":[{"eventSource":"aws:dynamodb"}]}"#)))
        let odd = extractor.extract(try JSONValue(parsing: #"{"Records":[{"eventSource":"aws:kinesis","eventSourceARN":"arn:aws:kinesis:us-east-2:1:table/x"}]}"#))
        #expect(odd.spanName == "process")
    }
}
