#if canImport(Glibc)
import Glibc
#endif

/// The API Gateway v2 sample event (`Examples/Events/apigw_v2_http.json`), as the peer bench uses it.
let apiGatewayV2Event: String = {
    var path = #filePath
    for _ in 0..<4 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
    guard let file = fopen(path + "/Examples/Events/apigw_v2_http.json", "r") else {
        fatalError("cannot read the sample event under \(path)")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}()

/// An SQS batch of `count` records shaped as Lambda delivers them: every record has its own message id; even
/// records carry an X-Ray `AWSTraceHeader`, odd ones a W3C `traceparent` message attribute, each with its own
/// trace id, so every record yields a distinct link.
func sqsBatchEvent(records count: Int) -> String {
    func hex(_ value: Int, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    var records: [String] = []
    records.reserveCapacity(count)
    for i in 0..<count {
        let traceSuffix = hex(i + 1, width: 24)
        let spanID = hex(0x53995c3f + i, width: 16)
        let attributes: String
        let messageAttributes: String
        if i % 2 == 0 {
            attributes = #""AWSTraceHeader": "Root=1-5759e988-\#(traceSuffix);Parent=\#(spanID);Sampled=1","#
            messageAttributes = "{}"
        } else {
            attributes = ""
            messageAttributes = #"{"traceparent": {"stringValue": "00-4bf92f35\#(traceSuffix)-\#(spanID)-01", "stringListValues": [], "binaryListValues": [], "dataType": "String"}}"#
        }
        records.append(#"""
            {"messageId": "059f36b4-87a3-44ab-83d2-\#(hex(i, width: 12))", "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...", \#
            "body": "{\"orderId\":\"\#(i)\",\"status\":\"paid\"}", \#
            "attributes": {"ApproximateReceiveCount": "1", \#(attributes) "SentTimestamp": "1545082649183", "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1545082649185"}, \#
            "messageAttributes": \#(messageAttributes), "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3", "eventSource": "aws:sqs", \#
            "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:orders-queue", "awsRegion": "us-east-2"}
            """#)
    }
    return #"{"Records": ["# + records.joined(separator: ",\n") + "]}"
}
