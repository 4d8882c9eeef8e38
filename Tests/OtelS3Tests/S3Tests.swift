import OtelHost
import OtelS3
import OtlpStdoutDecoding
import PluginTestSupport
import Testing
import Tracing

func s3Record(
    key: String, eventName: String = "ObjectCreated:Put", bucket: String = "invoices-bucket", partition: String = "aws"
) -> String {
    #"""
    {"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2024-05-01T12:00:00.000Z",
     "eventName":"\#(eventName)","userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},
     "requestParameters":{"sourceIPAddress":"205.255.255.255"},
     "responseElements":{"x-amz-request-id":"D82B88E5F771F645","x-amz-id-2":"vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQ"},
     "s3":{"s3SchemaVersion":"1.0","configurationId":"config",
       "bucket":{"name":"\#(bucket)","ownerIdentity":{"principalId":"A3I5XTEXAMAI3E"},"arn":"arn:\#(partition):s3:::\#(bucket)"},
       "object":{"key":"\#(key)","size":1024,"eTag":"b21b84d653bb07b05b1e6b33684dc11b","sequencer":"0C0F6F405D6ED209E1"}}}
    """#
}

func s3Event(_ records: [String]) -> String {
    #"{"Records":[\#(records.joined(separator: ","))]}"#
}

struct S3Tests {
    func run(_ event: String) async throws -> DecodedSpan {
        let exported = try await invoke(event, plugins: [S3Plugin()])
        #expect(exported.spans.count == 1)
        return try #require(exported.invocationSpans.first)
    }

    @Test func samplePutWithAnEncodedKey() async throws {
        let span = try await run(try exampleEvent("s3_put.json"))
        #expect(span.name == "invoices-bucket insert")
        let a = span.attributes
        #expect(a["faas.trigger"] == .string("datasource"))
        #expect(a["faas.document.collection"] == .string("invoices-bucket"))
        #expect(a["faas.document.name"] == .string("reports/2024/Q1 summary übersicht+final.pdf"))
        #expect(a["faas.document.operation"] == .string("insert"))
        #expect(a["faas.document.time"] == .string("2024-05-01T12:00:00.000Z"))
        #expect(span.links.isEmpty)
        #expect(span.parentSpanID == nil)
    }

    @Test(arguments: [
        ("ObjectCreated:CompleteMultipartUpload", "insert"),
        ("ObjectCreated:Copy", "insert"),
        ("ObjectRemoved:Delete", "delete"),
        ("ObjectRemoved:DeleteMarkerCreated", "delete"),
        ("s3:ObjectRemoved:Delete", "delete"),
        ("ObjectRestore:Completed", "ObjectRestore:Completed"),
        ("LifecycleExpiration:Delete", "LifecycleExpiration:Delete"),
    ])
    func operations(eventName: String, operation: String) async throws {
        let span = try await run(s3Event([s3Record(key: "a.txt", eventName: eventName)]))
        #expect(span.attributes["faas.document.operation"] == .string(operation))
        #expect(span.name == "invoices-bucket \(operation)")
    }

    @Test(arguments: [
        ("plain/key.json", "plain/key.json"),
        ("with+spaces+and%2Bplus", "with spaces and+plus"),
        ("caf%C3%A9%20%E2%98%95", "café ☕"),
        ("100%25+done", "100% done"),
        ("bad%zzescape%", "bad%zzescape%"),
        ("trailing%4", "trailing%4"),
        ("invalid%FFutf8", "invalid\u{FFFD}utf8"),
        ("", ""),
    ])
    func urlEncodedKeys(key: String, decoded: String) async throws {
        let span = try await run(s3Event([s3Record(key: key)]))
        #expect(span.attributes["faas.document.name"] == .string(decoded))
    }

    @Test func multiRecordNotificationsUseTheFirstRecordInAnyPartition() async throws {
        let span = try await run(s3Event([
            s3Record(key: "first%2Fone", eventName: "ObjectRemoved:Delete", bucket: "cn-bucket", partition: "aws-cn"),
            s3Record(key: "second", bucket: "other"),
        ]))
        #expect(span.name == "cn-bucket delete")
        #expect(span.attributes["faas.document.name"] == .string("first/one"))
    }

    @Test func shapeDetection() throws {
        let extractor = S3Extractor()
        #expect(extractor.matches(try JSONValue(parsing: s3Event([s3Record(key: "k")]))))
        #expect(!extractor.matches(try JSONValue(parsing: #"{"Records":[{"eventSource":"aws:sqs"}]}"#)))
        let odd = extractor.extract(try JSONValue(parsing: #"{"Records":[{"eventSource":"aws:s3","s3":{"bucket":7,"object":{"key":null}}}]}"#))
        #expect(odd.spanName == nil)
        #expect(odd.trigger == .datasource)
    }
}

struct S3BatchTests {
    @Test func aThousandRecordNotificationIsReadFromItsFirstRecord() async throws {
        let records = (0..<1000).map { s3Record(key: "batch/item+\($0).json", eventName: $0 == 0 ? "ObjectRemoved:Delete" : "ObjectCreated:Put") }
        let exported = try await invoke(s3Event(records), plugins: [S3Plugin()])
        #expect(exported.spans.count == 1)
        let span = try #require(exported.invocationSpans.first)
        #expect(span.name == "invoices-bucket delete")
        #expect(span.attributes["faas.document.name"] == .string("batch/item 0.json"))
    }
}
