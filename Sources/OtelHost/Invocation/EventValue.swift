/// A read-only view of a parsed event, or of one value inside it: what an ``EventExtractor`` reads.
///
/// The library parses each event once; every extractor's ``EventExtractor/matches(_:)`` and
/// ``EventExtractor/extract(_:)`` read the same parse through this view. Members are looked up by key, elements by
/// index, and each leaf is read as the type it has:
///
/// ```swift
/// func matches(_ event: EventValue) -> Bool {
///     event["source"]?.stringValue == "com.example.orders"
/// }
///
/// func extract(_ event: EventValue) -> ExtractedSpan {
///     var attributes = SpanAttributes()
///     if let id = event["detail"]?["orderId"]?.stringValue { attributes.set("order.id", value: .string(id)) }
///     return ExtractedSpan(spanName: "orders process", kind: .consumer, attributes: attributes, trigger: .pubsub)
/// }
/// ```
public struct EventValue: Sendable, Hashable {
    /// The parsed value.
    package let json: JSONValue

    /// A view of a parsed value.
    package init(_ json: JSONValue) {
        self.json = json
    }

    /// Parses a JSON document, such as a sample event in a test.
    ///
    /// - Parameter text: The document.
    /// - Returns: `nil` when the text is not one JSON value.
    public init?(parsing text: String) {
        guard let json = try? JSONValue(parsing: text) else { return nil }
        self.json = json
    }

    /// Parses a JSON document from its UTF-8 bytes.
    ///
    /// - Parameter bytes: The document.
    /// - Returns: `nil` when the bytes are not one JSON value.
    public init?(parsing bytes: some Collection<UInt8>) {
        guard let json = try? JSONValue(parsing: bytes) else { return nil }
        self.json = json
    }

    /// The member `key` of an object (its last value when the key is repeated); `nil` for other values or a missing
    /// key.
    public subscript(_ key: String) -> EventValue? {
        json[key].map(EventValue.init)
    }

    /// The element at `index` of an array; `nil` for other values or an index out of range.
    public subscript(_ index: Int) -> EventValue? {
        guard case .array(let elements) = json, elements.indices.contains(index) else { return nil }
        return EventValue(elements[index])
    }

    /// The string, when this is a string.
    public var stringValue: String? { json.stringValue }

    /// The number, when this is a number.
    public var numberValue: Double? { json.numberValue }

    /// The number as an integer, when this is a number with no fraction that fits.
    public var intValue: Int? { json.intValue }

    /// The Boolean, when this is `true` or `false`.
    public var boolValue: Bool? { json.boolValue }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = json { return true }
        return false
    }

    /// Whether this is an object.
    public var isObject: Bool { json.objectValue != nil }

    /// The elements, when this is an array.
    public var arrayValue: [EventValue]? {
        json.arrayValue?.map(EventValue.init)
    }

    /// The keys of an object, in document order; `nil` for other values.
    public var keys: [String]? {
        json.objectValue?.members.map(\.key)
    }

    /// The value as compact JSON.
    public var jsonString: String { json.jsonString }
}

extension EventExtractor {
    /// Whether a parsed value has this extractor's shape.
    package func matches(_ json: JSONValue) -> Bool {
        matches(EventValue(json))
    }

    /// The span attributes of a parsed value.
    package func extract(_ json: JSONValue) -> ExtractedSpan {
        extract(EventValue(json))
    }
}
