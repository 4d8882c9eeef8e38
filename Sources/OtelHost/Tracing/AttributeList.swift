package import Tracing

/// Span attributes in the order they were first set, each key once.
///
/// This is the span's own store: setting an attribute compares the key with those already set (by length first,
/// then by content) instead of hashing it, which for the few dozen attributes a span carries is cheaper than a
/// dictionary and allocates once per span rather than per attribute. ``OtelSpan/setAttribute(_:_:)`` writes
/// here directly; `span.attributes` converts to and from `SpanAttributes`.
package struct AttributeList: Sendable {
    /// One attribute.
    package struct Entry: Sendable {
        /// The key.
        package var key: String
        /// The value.
        package var value: Value
    }

    /// A value as the list stores it: the common scalar kinds inline, anything else boxed, so that copying and
    /// reading a value (what the encoder does for every attribute) stays cheap.
    package enum Value: Sendable {
        /// A string.
        case string(String)
        /// A 64-bit integer.
        case int64(Int64)
        /// A double.
        case double(Double)
        /// A Boolean.
        case bool(Bool)
        /// Any other kind: arrays, 32-bit integers, string-convertible values.
        indirect case other(SpanAttribute)

        /// The value of `attribute`.
        package init(_ attribute: SpanAttribute) {
            switch attribute {
            case .string(let value): self = .string(value)
            case .int64(let value): self = .int64(value)
            case .double(let value): self = .double(value)
            case .bool(let value): self = .bool(value)
            default: self = .other(attribute)
            }
        }

        /// The value as a `SpanAttribute`.
        package var spanAttribute: SpanAttribute {
            switch self {
            case .string(let value): .string(value)
            case .int64(let value): .int64(value)
            case .double(let value): .double(value)
            case .bool(let value): .bool(value)
            case .other(let attribute): attribute
            }
        }
    }

    /// The attributes, in the order their keys were first set.
    package private(set) var entries: [Entry] = []

    /// An empty list.
    package init() {}

    /// The attributes of `attributes`, in its iteration order.
    package init(_ attributes: SpanAttributes) {
        entries.reserveCapacity(attributes.count)
        attributes.forEach { key, value in entries.append(Entry(key: key, value: Value(value))) }
    }

    /// Whether there are no attributes.
    package var isEmpty: Bool { entries.isEmpty }

    /// How many attributes there are.
    package var count: Int { entries.count }

    /// Sets `key` to `value`, replacing an earlier value of the same key.
    package mutating func set(_ key: String, _ value: SpanAttribute) {
        let value = Value(value)
        let length = key.utf8.count
        for i in entries.indices where entries[i].key.utf8.count == length && entries[i].key == key {
            entries[i].value = value
            return
        }
        // Most spans get a handful of attributes: one allocation up front instead of several regrowths.
        if entries.capacity == 0 { entries.reserveCapacity(16) }
        entries.append(Entry(key: key, value: value))
    }

    /// The value of `key`, if set.
    package func get(_ key: String) -> SpanAttribute? {
        let length = key.utf8.count
        for entry in entries where entry.key.utf8.count == length && entry.key == key { return entry.value.spanAttribute }
        return nil
    }

    /// Calls `body` with each attribute, in order.
    package func forEach(_ body: (String, SpanAttribute) throws -> Void) rethrows {
        for entry in entries { try body(entry.key, entry.value.spanAttribute) }
    }

    /// The attributes as `SpanAttributes`.
    package var spanAttributes: SpanAttributes {
        var attributes = SpanAttributes()
        for entry in entries { attributes.set(entry.key, value: entry.value.spanAttribute) }
        return attributes
    }

    /// Replaces the value at `index`.
    package mutating func replaceValue(at index: Int, with value: SpanAttribute) {
        entries[index].value = Value(value)
    }

    /// Sorts the attributes by key.
    package mutating func sortByKey() {
        entries.sort { $0.key < $1.key }
    }

    /// Keeps the first `count` attributes.
    package mutating func keepFirst(_ count: Int) {
        if entries.count > count { entries.removeLast(entries.count - count) }
    }
}
