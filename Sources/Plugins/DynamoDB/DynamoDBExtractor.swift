public import OtelHost
import OtelPluginSupport
import Tracing

/// Amazon DynamoDB Streams batches (`Records[].eventSource == "aws:dynamodb"`).
///
/// The span is named `{table} process` (`process` when the table is unknown), with trigger `datasource`:
/// `faas.document.collection` is the table (from the stream ARN `table/{table}/stream/…`),
/// `faas.document.operation` the first record's change (`insert`, `edit` or `delete` for `INSERT`, `MODIFY`,
/// `REMOVE`), `faas.document.time` its `ApproximateCreationDateTime` in ISO 8601, and the batch is counted in
/// `messaging.batch.message_count` and per change in `aws.dynamodb.insert_count`, `aws.dynamodb.edit_count` and
/// `aws.dynamodb.delete_count`.
public struct DynamoDBExtractor: EventExtractor, OtelPlugin {
    /// Creates the extractor.
    public init() {}

    /// `dynamodb`.
    public var name: String { "dynamodb" }

    /// The first record's `eventSource` is `aws:dynamodb`.
    public func matches(_ event: EventValue) -> Bool {
        EventRecords.matches(event, source: "aws:dynamodb")
    }

    /// The data-source attributes of the batch.
    public func extract(_ event: EventValue) -> ExtractedSpan {
        let records = EventRecords.records(event)
        var attributes = SpanAttributes()
        attributes.set("messaging.batch.message_count", value: .int64(Int64(records.count)))
        let table = records.first?["eventSourceARN"]?.stringValue
            .flatMap(AmazonResourceName.init)?.name(ofType: "table")
        if let table { attributes.set("faas.document.collection", value: .string(table)) }
        if let first = records.first {
            if let operation = Self.operation(first["eventName"]?.stringValue) {
                attributes.set("faas.document.operation", value: .string(operation))
            }
            if let seconds = first["dynamodb"]?["ApproximateCreationDateTime"]?.numberValue,
                let time = ISO8601.format(secondsSinceEpoch: seconds)
            {
                attributes.set("faas.document.time", value: .string(time))
            }
        }
        var inserts: Int64 = 0, edits: Int64 = 0, deletes: Int64 = 0
        for record in records {
            switch record["eventName"]?.stringValue {
            case "INSERT": inserts += 1
            case "MODIFY": edits += 1
            case "REMOVE": deletes += 1
            default: break
            }
        }
        attributes.set("aws.dynamodb.insert_count", value: .int64(inserts))
        attributes.set("aws.dynamodb.edit_count", value: .int64(edits))
        attributes.set("aws.dynamodb.delete_count", value: .int64(deletes))
        return ExtractedSpan(
            spanName: table.map { "\($0) process" } ?? "process", attributes: attributes, carrier: nil,
            trigger: .datasource)
    }

    /// `insert`, `edit` or `delete` for a stream record's `eventName`; another name as it is.
    static func operation(_ eventName: String?) -> String? {
        switch eventName {
        case "INSERT": return "insert"
        case "MODIFY": return "edit"
        case "REMOVE": return "delete"
        case let other?: return other.isEmpty ? nil : other
        case nil: return nil
        }
    }
}

/// Formats times as ISO 8601 in UTC without Foundation.
enum ISO8601 {
    /// `2024-05-01T12:00:00Z` for a number of seconds since the epoch (fractions are dropped); `nil` outside the
    /// years 1970–9999.
    static func format(secondsSinceEpoch seconds: Double) -> String? {
        guard seconds.isFinite, seconds >= 0, seconds < 253_402_300_800 else { return nil }
        let total = Int64(seconds)
        let days = total / 86_400
        let secondOfDay = total % 86_400
        // Days since 1970-01-01 to a civil date (the proleptic Gregorian calendar).
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }
}

/// The DynamoDB Streams plugin: the extractor, which registers itself.
public typealias DynamoDBPlugin = DynamoDBExtractor
