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
    /// The parsed document.
    let tape: JSONTape
    /// The node of this value in ``tape``.
    let node: Int

    /// A view of node `node` of a parsed document.
    init(tape: JSONTape, node: Int) {
        self.tape = tape
        self.node = node
    }

    /// A view of a value built in code.
    ///
    /// The value is written out and parsed again; a value that is not a valid event (nesting deeper than 512)
    /// reads as `null`.
    package init(_ json: JSONValue) {
        var out: [UInt8] = []
        JSONWriter.write(json, to: &out)
        if let tape = JSONTape(parsing: out) {
            self.init(tape: tape, node: 0)
        } else if let null = JSONTape(parsing: Array("null".utf8)) {
            self.init(tape: null, node: 0)
        } else {
            preconditionFailure("the literal null is valid JSON")
        }
    }

    /// Parses a JSON document, such as a sample event in a test.
    ///
    /// - Parameter text: The document.
    /// - Returns: `nil` when the text is not one JSON value.
    public init?(parsing text: String) {
        self.init(parsing: Array(text.utf8))
    }

    /// Parses a JSON document from its UTF-8 bytes.
    ///
    /// - Parameter bytes: The document.
    /// - Returns: `nil` when the bytes are not one JSON value.
    public init?(parsing bytes: some Collection<UInt8>) {
        guard let tape = JSONTape(parsing: bytes) else { return nil }
        self.init(tape: tape, node: 0)
    }

    /// The value as a ``JSONValue`` tree.
    package var json: JSONValue { tape.jsonValue(at: node) }

    private var kind: JSONTape.Kind { tape.nodes[node].kind }

    /// The member `key` of an object (its last value when the key is repeated); `nil` for other values or a missing
    /// key.
    public subscript(_ key: String) -> EventValue? {
        tape.member(of: node, key: key).map { EventValue(tape: tape, node: $0) }
    }

    /// The members `first` and `second` of an object, found in one pass over its members; each is what
    /// `self[first]` and `self[second]` would give.
    package func members(_ first: String, _ second: String) -> (EventValue?, EventValue?) {
        let (a, b) = tape.members(of: node, first, second)
        return (a.map { EventValue(tape: tape, node: $0) }, b.map { EventValue(tape: tape, node: $0) })
    }

    /// The element at `index` of an array; `nil` for other values or an index out of range.
    public subscript(_ index: Int) -> EventValue? {
        let array = tape.nodes[node]
        guard array.kind == .array, index >= 0, index < Int(array.count) else { return nil }
        var child = node + 1
        for _ in 0..<index { child = tape.next(after: child) }
        return EventValue(tape: tape, node: child)
    }

    /// The string, when this is a string.
    public var stringValue: String? {
        kind == .string ? tape.string(at: node) : nil
    }

    /// The number, when this is a number.
    public var numberValue: Double? {
        kind == .number ? tape.number(at: node) : nil
    }

    /// The number as an integer, when this is a number with no fraction that fits.
    public var intValue: Int? {
        guard let n = numberValue, n.rounded() == n, n >= -9.2e18, n <= 9.2e18 else { return nil }
        return Int(n)
    }

    /// The Boolean, when this is `true` or `false`.
    public var boolValue: Bool? {
        switch kind {
        case .true: return true
        case .false: return false
        default: return nil
        }
    }

    /// Whether this is `null`.
    public var isNull: Bool { kind == .null }

    /// Whether this is an object.
    public var isObject: Bool { kind == .object }

    /// Whether this is an array.
    package var isArray: Bool { kind == .array }

    /// The elements, when this is an array.
    public var arrayValue: [EventValue]? {
        guard let elements else { return nil }
        return Array(elements)
    }

    /// The elements of an array, without collecting them; `nil` for other values.
    package var elements: Elements? {
        kind == .array ? Elements(tape: tape, node: node) : nil
    }

    /// The members of an object, in document order; `nil` for other values.
    package var members: Members? {
        kind == .object ? Members(tape: tape, node: node) : nil
    }

    /// How many elements an array, or members an object, has; `nil` for other values.
    package var count: Int? {
        switch kind {
        case .array, .object: return Int(tape.nodes[node].count)
        default: return nil
        }
    }

    /// The keys of an object, in document order; `nil` for other values.
    public var keys: [String]? {
        guard let members else { return nil }
        return members.map(\.key)
    }

    /// The member of an object whose key equals `name` when ASCII letters are compared without case: the exact
    /// key first (its last value when repeated), else the first key that matches without case.
    package func member(ignoringASCIICase name: String) -> EventValue? {
        if let exact = self[name] { return exact }
        let object = tape.nodes[node]
        guard object.kind == .object else { return nil }
        var child = node + 1
        while child < Int(object.end) {
            if tape.string(at: child, equalsIgnoringASCIICase: name) { return EventValue(tape: tape, node: child + 1) }
            child = tape.next(after: child + 1)
        }
        return nil
    }

    /// Calls `body` with the UTF-8 bytes of a string that has no escapes, without making a `String`; `nil` for
    /// other values and for strings with escapes (read those with ``stringValue``). The bytes may be invalid UTF-8.
    package func withRawString<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        tape.withRawString(at: node, body)
    }

    /// The value as compact JSON.
    public var jsonString: String { json.jsonString }

    /// Whether two values are the same JSON: the same members in the same order, elements, strings and numbers.
    public static func == (lhs: EventValue, rhs: EventValue) -> Bool {
        if lhs.tape === rhs.tape && lhs.node == rhs.node { return true }
        return lhs.json == rhs.json
    }

    /// Hashes the value's JSON.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(json)
    }

    /// The elements of an array, in order.
    package struct Elements: Sequence {
        let tape: JSONTape
        /// The first element's node.
        let start: Int
        /// The node after the array's subtree.
        let end: Int
        /// How many elements there are.
        package let count: Int

        /// The elements of the array node `node`.
        init(tape: JSONTape, node: Int) {
            let array = tape.nodes[node]
            self.tape = tape
            start = node + 1
            end = Int(array.end)
            count = Int(array.count)
        }

        /// No elements: what a batch reads as when it has no records.
        package init(noneIn value: EventValue) {
            tape = value.tape
            start = 0
            end = 0
            count = 0
        }

        /// The first element, if any.
        package var first: EventValue? {
            count > 0 ? EventValue(tape: tape, node: start) : nil
        }

        package func makeIterator() -> Iterator {
            Iterator(tape: tape, position: start, end: end)
        }

        package var underestimatedCount: Int { count }

        /// Walks the elements.
        package struct Iterator: IteratorProtocol {
            let tape: JSONTape
            var position: Int
            let end: Int

            package mutating func next() -> EventValue? {
                guard position < end else { return nil }
                let value = EventValue(tape: tape, node: position)
                position = tape.next(after: position)
                return value
            }
        }
    }

    /// The members of an object, in document order.
    package struct Members: Sequence {
        let tape: JSONTape
        let node: Int

        package func makeIterator() -> Iterator {
            Iterator(tape: tape, position: node + 1, end: Int(tape.nodes[node].end))
        }

        package var underestimatedCount: Int { Int(tape.nodes[node].count) }

        /// Walks the members.
        package struct Iterator: IteratorProtocol {
            let tape: JSONTape
            var position: Int
            let end: Int

            package mutating func next() -> (key: String, value: EventValue)? {
                guard position < end else { return nil }
                let key = tape.string(at: position)
                let value = EventValue(tape: tape, node: position + 1)
                position = tape.next(after: position + 1)
                return (key, value)
            }
        }
    }
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
