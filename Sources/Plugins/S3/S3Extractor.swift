public import OtelHost
import OtelPluginSupport
import Tracing

/// Amazon S3 event notifications (`Records[].eventSource == "aws:s3"`).
///
/// The span is named `{bucket} {operation}`, with trigger `datasource` and the first record's
/// `faas.document.collection` (the bucket), `faas.document.name` (the object key, decoded: S3 writes keys
/// form-encoded, so `+` is a space and `%XX` a byte), `faas.document.operation` (`insert` for `ObjectCreated:*`,
/// `delete` for `ObjectRemoved:*`, else the event name) and `faas.document.time` (`eventTime`).
public struct S3Extractor: EventExtractor, OtelPlugin {
    /// Creates the extractor.
    public init() {}

    /// `s3`.
    public var name: String { "s3" }

    /// The first record's `eventSource` is `aws:s3`.
    public func matches(_ event: EventValue) -> Bool {
        EventRecords.matches(event, source: "aws:s3")
    }

    /// The data-source attributes of the first record.
    public func extract(_ event: EventValue) -> ExtractedSpan {
        let record = EventRecords.records(event).first
        var attributes = SpanAttributes()
        let s3 = record?["s3"]
        let bucket = s3?["bucket"]?["name"]?.stringValue
        if let bucket { attributes.set("faas.document.collection", value: .string(bucket)) }
        if let key = s3?["object"]?["key"]?.stringValue {
            attributes.set("faas.document.name", value: .string(Self.decodeKey(key)))
        }
        let operation = Self.operation(record?["eventName"]?.stringValue)
        if let operation { attributes.set("faas.document.operation", value: .string(operation)) }
        if let time = record?["eventTime"]?.stringValue {
            attributes.set("faas.document.time", value: .string(time))
        }
        let spanName = [bucket, operation].compactMap { $0 }.joined(separator: " ")
        return ExtractedSpan(
            spanName: spanName.isEmpty ? nil : spanName, attributes: attributes, carrier: nil, trigger: .datasource)
    }

    /// `insert` for `ObjectCreated:*`, `delete` for `ObjectRemoved:*`, else the event name (`s3:` prefix or not).
    static func operation(_ eventName: String?) -> String? {
        guard var name = eventName?.trimmingASCIIWhitespace(), !name.isEmpty else { return nil }
        if name.hasPrefix("s3:") { name.removeFirst(3) }
        if name.hasPrefix("ObjectCreated:") { return "insert" }
        if name.hasPrefix("ObjectRemoved:") { return "delete" }
        return name
    }

    /// An object key as S3 notifications encode it: `+` is a space, then `%XX` escapes are decoded. A malformed
    /// escape stays as it is; bytes that are not UTF-8 become U+FFFD.
    static func decodeKey(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return key }
        let bytes = Array(key.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if c == UInt8(ascii: "%"), i + 2 < bytes.count, let high = nibble(bytes[i + 1]),
                let low = nibble(bytes[i + 2])
            {
                out.append(high << 4 | low)
                i += 2
            } else {
                out.append(c)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// The S3 plugin: the extractor, which registers itself.
public typealias S3Plugin = S3Extractor
