import OtelDynamoDB
import OtelHost
import OtlpStdoutDecoding
import PluginTestSupport
import Testing
import Tracing

func dynamoRecord(
    _ eventName: String, n: Int = 1,
    arn: String = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-05-01T12:00:00.000"
) -> String {
    #"""
    {"eventID":"id-\#(n)","eventName":"\#(eventName)","eventVersion":"1.1","eventSource":"aws:dynamodb",
     "awsRegion":"us-east-1",
     "dynamodb":{"ApproximateCreationDateTime":\#(1_714_564_800 + n),"Keys":{"Id":{"N":"\#(n)"}},
       "NewImage":{"Id":{"N":"\#(n)"}},"SequenceNumber":"\#(n)00","SizeBytes":26,"StreamViewType":"NEW_AND_OLD_IMAGES"},
     "eventSourceARN":"\#(arn)"}
    """#
}

func dynamoEvent(_ records: [String]) -> String {
    #"{"Records":[\#(records.joined(separator: ","))]}"#
}

struct DynamoDBTests {
    func run(_ event: String) async throws -> DecodedSpan {
        let exported = try await invoke(event, plugins: [DynamoDBPlugin()])
        #expect(exported.spans.count == 1)
        return try #require(exported.invocationSpans.first)
    }

    @Test func sampleStreamWithInsertModifyRemove() async throws {
        let span = try await run(try exampleEvent("dynamodb_stream.json"))
        #expect(span.name == "Orders process")
        let a = span.attributes
        #expect(a["faas.trigger"] == .string("datasource"))
        #expect(a["faas.document.collection"] == .string("Orders"))
        #expect(a["faas.document.operation"] == .string("insert"))
        #expect(a["faas.document.time"] == .string("2024-05-01T12:00:00Z"))
        #expect(a["messaging.batch.message_count"] == .int(3))
        #expect(a["aws.dynamodb.insert_count"] == .int(1))
        #expect(a["aws.dynamodb.edit_count"] == .int(1))
        #expect(a["aws.dynamodb.delete_count"] == .int(1))
        #expect(span.links.isEmpty)
    }

    @Test func aThousandRecordBatchIsCountedPerOperation() async throws {
        let names = ["MODIFY", "INSERT", "REMOVE", "MODIFY"]
        let records = (0..<1000).map { dynamoRecord(names[$0 % 4], n: $0) }
        let span = try await run(dynamoEvent(records))
        let a = span.attributes
        #expect(a["faas.document.operation"] == .string("edit"))
        #expect(a["messaging.batch.message_count"] == .int(1000))
        #expect(a["aws.dynamodb.insert_count"] == .int(250))
        #expect(a["aws.dynamodb.edit_count"] == .int(500))
        #expect(a["aws.dynamodb.delete_count"] == .int(250))
    }

    @Test(arguments: [
        ("arn:aws-cn:dynamodb:cn-north-1:123456789012:table/Orders-cn/stream/2024-05-01T12:00:00.000", "Orders-cn"),
        ("arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/audit.log/stream/2024-05-01T12:00:00.000", "audit.log"),
    ])
    func tableNameInEveryPartition(arn: String, table: String) async throws {
        let span = try await run(dynamoEvent([dynamoRecord("REMOVE", arn: arn)]))
        #expect(span.name == "\(table) process")
        #expect(span.attributes["faas.document.collection"] == .string(table))
        #expect(span.attributes["faas.document.operation"] == .string("delete"))
    }

    @Test func shapeDetectionAndOddValues() throws {
        let extractor = DynamoDBExtractor()
        #expect(extractor.matches(try JSONValue(parsing: dynamoEvent([dynamoRecord("INSERT")]))))
        #expect(!extractor.matches(try JSONValue(parsing: #"{"Records":[{"eventSource":"aws:kinesis"}]}"#)))
        let odd = extractor.extract(try JSONValue(parsing: #"{"Records":[{"eventSource":"aws:dynamodb","eventName":5,"eventSourceARN":"arn:aws:dynamodb:us-east-1:1:index/x","dynamodb":{"ApproximateCreationDateTime":-1e300}}]}"#))
        #expect(odd.spanName == "process")
        #expect(odd.attributes.get("faas.document.operation") == nil)
        #expect(odd.attributes.get("faas.document.time") == nil)
    }
}
