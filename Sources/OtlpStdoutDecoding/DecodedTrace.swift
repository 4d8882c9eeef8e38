/// An OTLP attribute value, as decoded from a payload.
public indirect enum DecodedValue: Sendable, Hashable, CustomStringConvertible {
    /// A string.
    case string(String)
    /// A Boolean.
    case bool(Bool)
    /// An integer.
    case int(Int64)
    /// A double.
    case double(Double)
    /// An array.
    case array([DecodedValue])
    /// A key–value list.
    case keyValueList([DecodedAttribute])
    /// Bytes.
    case bytes([UInt8])
    /// An `AnyValue` with no value set.
    case empty

    /// The value as text.
    public var description: String {
        switch self {
        case .string(let s): return s
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .keyValueList(let list): return "{" + list.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "}"
        case .bytes(let b): return "<\(b.count) bytes>"
        case .empty: return "<empty>"
        }
    }
}

/// A decoded key–value attribute.
public struct DecodedAttribute: Sendable, Hashable {
    /// The key.
    public var key: String
    /// The value.
    public var value: DecodedValue
}

extension Array where Element == DecodedAttribute {
    /// The value of the first attribute with `key`.
    public subscript(key: String) -> DecodedValue? {
        first { $0.key == key }?.value
    }
}

/// A decoded span event.
public struct DecodedEvent: Sendable, Hashable {
    /// Nanoseconds since the epoch.
    public var timeUnixNano: UInt64
    /// The name.
    public var name: String
    /// The attributes.
    public var attributes: [DecodedAttribute]
    /// Attributes dropped by limits.
    public var droppedAttributesCount: UInt32
}

/// A decoded span link.
public struct DecodedLink: Sendable, Hashable {
    /// The linked trace id, hex.
    public var traceID: String
    /// The linked span id, hex.
    public var spanID: String
    /// The linked trace state.
    public var traceState: String
    /// The attributes.
    public var attributes: [DecodedAttribute]
    /// Attributes dropped by limits.
    public var droppedAttributesCount: UInt32
    /// The flags.
    public var flags: UInt32
}

/// A decoded span.
public struct DecodedSpan: Sendable, Hashable {
    /// The trace id, 32 hex digits.
    public var traceID: String = ""
    /// The span id, 16 hex digits.
    public var spanID: String = ""
    /// The W3C trace state.
    public var traceState: String = ""
    /// The parent span id, or `nil` for a root span.
    public var parentSpanID: String?
    /// The name.
    public var name: String = ""
    /// The OTLP kind number: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    public var kind: Int = 0
    /// Start, nanoseconds since the epoch.
    public var startTimeUnixNano: UInt64 = 0
    /// End, nanoseconds since the epoch.
    public var endTimeUnixNano: UInt64 = 0
    /// The attributes.
    public var attributes: [DecodedAttribute] = []
    /// Attributes dropped by limits.
    public var droppedAttributesCount: UInt32 = 0
    /// The events.
    public var events: [DecodedEvent] = []
    /// Events dropped by limits.
    public var droppedEventsCount: UInt32 = 0
    /// The links.
    public var links: [DecodedLink] = []
    /// Links dropped by limits.
    public var droppedLinksCount: UInt32 = 0
    /// The status code: 0 unset, 1 ok, 2 error.
    public var statusCode: Int = 0
    /// The status message.
    public var statusMessage: String = ""
    /// The OTLP flags.
    public var flags: UInt32 = 0

    /// The kind's name.
    public var kindName: String {
        switch kind {
        case 1: return "INTERNAL"
        case 2: return "SERVER"
        case 3: return "CLIENT"
        case 4: return "PRODUCER"
        case 5: return "CONSUMER"
        default: return "UNSPECIFIED"
        }
    }

    /// Duration in nanoseconds.
    public var durationNanos: UInt64 { endTimeUnixNano >= startTimeUnixNano ? endTimeUnixNano - startTimeUnixNano : 0 }
}

/// Spans of one instrumentation scope.
public struct DecodedScopeSpans: Sendable, Hashable {
    /// The scope name.
    public var scopeName: String = ""
    /// The scope version.
    public var scopeVersion: String = ""
    /// The scope attributes.
    public var scopeAttributes: [DecodedAttribute] = []
    /// The spans.
    public var spans: [DecodedSpan] = []
}

/// Spans of one resource.
public struct DecodedResourceSpans: Sendable, Hashable {
    /// The resource attributes.
    public var resource: [DecodedAttribute] = []
    /// The scopes.
    public var scopeSpans: [DecodedScopeSpans] = []
}

/// A decoded `ExportTraceServiceRequest`.
public struct DecodedRequest: Sendable, Hashable {
    /// The resource groups.
    public var resourceSpans: [DecodedResourceSpans] = []

    /// Every span, with its resource, in order.
    public var allSpans: [(resource: [DecodedAttribute], span: DecodedSpan)] {
        resourceSpans.flatMap { rs in rs.scopeSpans.flatMap { $0.spans.map { (rs.resource, $0) } } }
    }

    /// Decodes protobuf bytes.
    public init(protobuf bytes: [UInt8]) throws(DecodingError) {
        resourceSpans = try ProtobufReader(bytes).repeatedMessages(field: 1, Self.resourceSpans)
    }

    static func resourceSpans(_ message: ProtobufReader) throws(DecodingError) -> DecodedResourceSpans {
        var out = DecodedResourceSpans()
        try message.forEachField { field, wire, reader throws(DecodingError) -> Bool in
            switch (field, wire) {
            case (1, 2): out.resource += try reader.message().repeatedMessages(field: 1, keyValue)
            case (2, 2): out.scopeSpans.append(try scopeSpans(reader.message()))
            default: return false
            }
            return true
        }
        return out
    }

    static func scopeSpans(_ message: ProtobufReader) throws(DecodingError) -> DecodedScopeSpans {
        var out = DecodedScopeSpans()
        try message.forEachField { field, wire, reader throws(DecodingError) -> Bool in
            switch (field, wire) {
            case (1, 2):
                try reader.message().forEachField { field, wire, scope throws(DecodingError) -> Bool in
                    switch (field, wire) {
                    case (1, 2): out.scopeName = try scope.string()
                    case (2, 2): out.scopeVersion = try scope.string()
                    case (3, 2): out.scopeAttributes.append(try keyValue(scope.message()))
                    default: return false
                    }
                    return true
                }
            case (2, 2): out.spans.append(try span(reader.message()))
            default: return false
            }
            return true
        }
        return out
    }

    static func hex(_ reader: ProtobufReader, _ range: Range<Int>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in reader.bytes[range] {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func span(_ message: ProtobufReader) throws(DecodingError) -> DecodedSpan {
        var out = DecodedSpan()
        try message.forEachField { field, wire, reader throws(DecodingError) -> Bool in
            switch (field, wire) {
            case (1, 2): out.traceID = hex(reader, try reader.lengthDelimited())
            case (2, 2): out.spanID = hex(reader, try reader.lengthDelimited())
            case (3, 2): out.traceState = try reader.string()
            case (4, 2):
                let parent = hex(reader, try reader.lengthDelimited())
                out.parentSpanID = parent.isEmpty ? nil : parent
            case (5, 2): out.name = try reader.string()
            case (6, 0): out.kind = Int(truncatingIfNeeded: try reader.varint())
            case (7, 1): out.startTimeUnixNano = try reader.fixed64()
            case (8, 1): out.endTimeUnixNano = try reader.fixed64()
            case (9, 2): out.attributes.append(try keyValue(reader.message()))
            case (10, 0): out.droppedAttributesCount = UInt32(truncatingIfNeeded: try reader.varint())
            case (11, 2): out.events.append(try event(reader.message()))
            case (12, 0): out.droppedEventsCount = UInt32(truncatingIfNeeded: try reader.varint())
            case (13, 2): out.links.append(try link(reader.message()))
            case (14, 0): out.droppedLinksCount = UInt32(truncatingIfNeeded: try reader.varint())
            case (15, 2):
                try reader.message().forEachField { field, wire, status throws(DecodingError) -> Bool in
                    switch (field, wire) {
                    case (2, 2): out.statusMessage = try status.string()
                    case (3, 0): out.statusCode = Int(truncatingIfNeeded: try status.varint())
                    default: return false
                    }
                    return true
                }
            case (16, 5): out.flags = try reader.fixed32()
            default: return false
            }
            return true
        }
        return out
    }

    static func event(_ message: ProtobufReader) throws(DecodingError) -> DecodedEvent {
        var out = DecodedEvent(timeUnixNano: 0, name: "", attributes: [], droppedAttributesCount: 0)
        try message.forEachField { field, wire, reader throws(DecodingError) -> Bool in
            switch (field, wire) {
            case (1, 1): out.timeUnixNano = try reader.fixed64()
            case (2, 2): out.name = try reader.string()
            case (3, 2): out.attributes.append(try keyValue(reader.message()))
            case (4, 0): out.droppedAttributesCount = UInt32(truncatingIfNeeded: try reader.varint())
            default: return false
            }
            return true
        }
        return out
    }

    static func link(_ message: ProtobufReader) throws(DecodingError) -> DecodedLink {
        var out = DecodedLink(traceID: "", spanID: "", traceState: "", attributes: [], droppedAttributesCount: 0, flags: 0)
        try message.forEachField { field, wire, reader throws(DecodingError) -> Bool in
            switch (field, wire) {
            case (1, 2): out.traceID = hex(reader, try reader.lengthDelimited())
            case (2, 2): out.spanID = hex(reader, try reader.lengthDelimited())
            case (3, 2): out.traceState = try reader.string()
            case (4, 2): out.attributes.append(try keyValue(reader.message()))
            case (5, 0): out.droppedAttributesCount = UInt32(truncatingIfNeeded: try reader.varint())
            case (6, 5): out.flags = try reader.fixed32()
            default: return false
            }
            return true
        }
        return out
    }

    static func keyValue(_ message: ProtobufReader) throws(DecodingError) -> DecodedAttribute {
        var out = DecodedAttribute(key: "", value: .empty)
        try message.forEachField { field, wire, reader throws(DecodingError) -> Bool in
            switch (field, wire) {
            case (1, 2): out.key = try reader.string()
            case (2, 2): out.value = try anyValue(reader.message())
            default: return false
            }
            return true
        }
        return out
    }

    static func anyValue(_ message: ProtobufReader) throws(DecodingError) -> DecodedValue {
        var value = DecodedValue.empty
        try message.forEachField { field, wire, reader throws(DecodingError) -> Bool in
            switch (field, wire) {
            case (1, 2): value = .string(try reader.string())
            case (2, 0): value = .bool(try reader.varint() != 0)
            case (3, 0): value = .int(Int64(bitPattern: try reader.varint()))
            case (4, 1): value = .double(Double(bitPattern: try reader.fixed64()))
            case (5, 2): value = .array(try reader.message().repeatedMessages(field: 1, anyValue))
            case (6, 2): value = .keyValueList(try reader.message().repeatedMessages(field: 1, keyValue))
            case (7, 2): value = .bytes(Array(reader.bytes[try reader.lengthDelimited()]))
            default: return false
            }
            return true
        }
        return value
    }
}
