/// A parsed JSON document stored flat: the event's bytes and one array of nodes in document order, each node a
/// value (or an object key): for a string or a number, the byte range it was read from; for an array or an object,
/// how many elements or members it has and where its subtree ends.
///
/// A container's node records where its subtree ends, so a reader skips a member or an element without walking
/// it. An object's members are a key node (always a string) followed by the value's subtree. Strings and numbers
/// are validated while parsing but decoded only when read; keys that are plain ASCII are compared as bytes.
///
/// The grammar and the limits are those of ``JSONValue``: nesting deeper than 512 fails, a repeated key reads as
/// its last value, invalid UTF-8 in strings reads as U+FFFD, and `\u` escapes pair surrogates (a lone surrogate
/// reads as U+FFFD).
final class JSONTape: Sendable {
    /// What a node is.
    enum Kind: UInt8 {
        case null, `false`, `true`, number, string, array, object
    }

    /// One value of the document, or one object key: 12 bytes.
    struct Node {
        /// The node's ``Kind``.
        var kind: Kind
        /// For strings: ``escaped`` and ``nonASCII``.
        var flags: UInt8
        /// For strings, the offset of the first byte after the opening quote; for numbers, of the first byte; for
        /// containers, how many members or elements they have (read it as ``count``).
        var start: UInt32
        /// For strings, the offset of the closing quote; for numbers, just past the last byte; for containers, the
        /// index of the first node after the container's subtree.
        var end: UInt32

        /// For containers, how many members or elements they have.
        var count: UInt32 { start }

        /// The string contains a backslash escape.
        static let escaped: UInt8 = 1
        /// The string contains a byte that is not ASCII.
        static let nonASCII: UInt8 = 2
    }

    /// The deepest nesting of objects and arrays accepted.
    static let maxDepth = 512

    /// The document's bytes.
    let bytes: [UInt8]
    /// The nodes, in document order; the root is node 0.
    let nodes: [Node]

    /// Parses a document; `nil` when the bytes are not one JSON value.
    init?(parsing input: some Collection<UInt8>) {
        let bytes = (input as? [UInt8]) ?? Array(input)
        guard bytes.count < Int(UInt32.max) else { return nil }
        let nodes: [Node]? = bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONTapeParser(buffer)
            return parser.parse()
        }
        guard let nodes else { return nil }
        self.bytes = bytes
        self.nodes = nodes
    }

    /// The index of the node after the subtree of node `index`.
    @inline(__always)
    func next(after index: Int) -> Int {
        let node = nodes[index]
        switch node.kind {
        case .array, .object: return Int(node.end)
        default: return index + 1
        }
    }

    /// The string of a string node, escapes decoded and invalid UTF-8 repaired.
    func string(at index: Int) -> String {
        let node = nodes[index]
        return bytes.withUnsafeBufferPointer { buffer in
            let raw = UnsafeBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.end)])
            if node.flags & Node.escaped == 0 { return String(decoding: raw, as: UTF8.self) }
            return String(decoding: Self.unescape(raw), as: UTF8.self)
        }
    }

    /// The value node of the member `key` of the object node `index` (the last one when the key is repeated);
    /// `nil` when the node is not an object or has no such member.
    func member(of index: Int, key: String) -> Int? {
        members(of: index, key, nil).0
    }

    /// The value nodes of the members `first` and `second` of the object node `index`, found in one pass over
    /// its members, as ``member(of:key:)`` finds each.
    ///
    /// A key node of plain ASCII without escapes is compared by length, then as bytes; any other key node (or a
    /// key that is not ASCII) is compared as a decoded `String`, so equality stays that of `String`.
    func members(of index: Int, _ first: String, _ second: String?) -> (Int?, Int?) {
        var firstKey = first
        var secondKey = second ?? ""
        return firstKey.withUTF8 { firstBytes in
            secondKey.withUTF8 { secondBytes in
                nodes.withUnsafeBufferPointer { nodes in
                    bytes.withUnsafeBufferPointer { buffer in
                        let object = nodes[index]
                        guard object.kind == .object else { return (nil, nil) }
                        let firstIsASCII = Self.isASCII(firstBytes)
                        let secondIsASCII = Self.isASCII(secondBytes)
                        // Whether the key node `name` at `child` reads as `key`.
                        func matches(
                            _ name: Node, _ child: Int, _ key: String, _ keyBytes: UnsafeBufferPointer<UInt8>,
                            _ keyIsASCII: Bool
                        ) -> Bool {
                            guard name.flags == 0, keyIsASCII, let base = buffer.baseAddress else {
                                return string(at: child) == key
                            }
                            return Int(name.end &- name.start) == keyBytes.count
                                && Self.equal(base + Int(name.start), keyBytes)
                        }
                        var found: (Int?, Int?)
                        var child = index + 1
                        let end = Int(object.end)
                        while child < end {
                            let name = nodes[child]
                            if matches(name, child, first, firstBytes, firstIsASCII) { found.0 = child + 1 }
                            if let second, matches(name, child, second, secondBytes, secondIsASCII) { found.1 = child + 1 }
                            let value = nodes[child + 1]
                            child = value.kind == .array || value.kind == .object ? Int(value.end) : child + 2
                        }
                        return found
                    }
                }
            }
        }
    }

    /// Whether the bytes at `start` are `key`'s, for `key.count` bytes.
    @inline(__always)
    private static func equal(_ start: UnsafePointer<UInt8>, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let keyBase = key.baseAddress else { return true }
        return memcmpEqual(start, keyBase, key.count)
    }

    /// Whether every byte is below 0x80, eight at a time.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var i = 0
        var high: UInt64 = 0
        while i + 8 <= bytes.count {
            high |= UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            i += 8
        }
        while i < bytes.count {
            high |= UInt64(base[i])
            i += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// Whether the string node at `index` equals `name` when ASCII letters are compared without case.
    func string(at index: Int, equalsIgnoringASCIICase name: String) -> Bool {
        let node = nodes[index]
        guard node.flags == 0 else { return string(at: index).equalsIgnoringASCIICase(name) }
        let length = Int(node.end - node.start)
        let other = name.utf8
        guard other.count == length else { return false }
        var i = Int(node.start)
        for y in other {
            let x = bytes[i]
            i += 1
            if x == y { continue }
            let lx = x >= 0x41 && x <= 0x5A ? x | 0x20 : x
            let ly = y >= 0x41 && y <= 0x5A ? y | 0x20 : y
            if lx != ly { return false }
        }
        return true
    }

    /// The raw bytes of a string node (escapes not decoded), when the string has no escapes.
    func withRawString<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        let node = nodes[index]
        guard node.kind == .string, node.flags & Node.escaped == 0 else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            body(UnsafeBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.end)]))
        }
    }

    /// The number of a number node.
    func number(at index: Int) -> Double {
        let node = nodes[index]
        return bytes.withUnsafeBufferPointer { buffer in
            let raw = UnsafeBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.end)])
            var negative = false
            var integer: UInt64 = 0
            var overflow = false
            var isInteger = true
            for (i, c) in raw.enumerated() {
                if i == 0 && c == UInt8(ascii: "-") {
                    negative = true
                    continue
                }
                guard c >= 0x30 && c <= 0x39 else {
                    isInteger = false
                    break
                }
                let (m, o1) = integer.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(c - 0x30))
                overflow = overflow || o1 || o2
                integer = a
            }
            if isInteger && !overflow { return negative ? -Double(integer) : Double(integer) }
            return Double(String(decoding: raw, as: UTF8.self)) ?? .nan
        }
    }

    /// The value of node `index` as a ``JSONValue`` tree.
    func jsonValue(at index: Int) -> JSONValue {
        let node = nodes[index]
        switch node.kind {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .number: return .number(number(at: index))
        case .string: return .string(string(at: index))
        case .array:
            var elements: [JSONValue] = []
            elements.reserveCapacity(Int(node.count))
            var child = index + 1
            while child < Int(node.end) {
                elements.append(jsonValue(at: child))
                child = next(after: child)
            }
            return .array(elements)
        case .object:
            var members: [JSONMember] = []
            members.reserveCapacity(Int(node.count))
            var child = index + 1
            while child < Int(node.end) {
                members.append(JSONMember(string(at: child), jsonValue(at: child + 1)))
                child = next(after: child + 1)
            }
            return .object(JSONObject(members))
        }
    }

    /// Decodes the escapes of a string's raw bytes; the parser has checked that every escape is well formed.
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= raw.count else { return nil }
            var value: UInt32 = 0
            for k in 0..<4 {
                guard let n = Hex.nibble(raw[at + k]) else { return nil }
                value = value << 4 | UInt32(n)
            }
            return value
        }
        while i < raw.count {
            let c = raw[i]
            guard c == UInt8(ascii: "\\"), i + 1 < raw.count else {
                out.append(c)
                i += 1
                continue
            }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(i) else { continue }
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate pairs with an escaped low surrogate that follows it.
                    if i + 1 < raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                        let low = hex4(i + 2), (0xDC00..<0xE000).contains(low)
                    {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00..<0xE000).contains(scalar) {
                    scalar = 0xFFFD
                }
                let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                if let units = UTF8.encode(unicode) {
                    for unit in units { out.append(unit) }
                }
            default:
                // `"`, `\` and `/` stand for themselves.
                out.append(e)
            }
        }
        return out
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// Builds the nodes of a ``JSONTape`` in one pass, without recursion.
struct JSONTapeParser {
    /// An open container.
    struct Frame {
        /// The container's node.
        var node: Int
        /// The members or elements read so far.
        var count: UInt32
        /// Whether the container is an object.
        var isObject: Bool
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var nodes: [JSONTape.Node] = []
    /// The innermost open container, when ``depth`` is above zero.
    var top = Frame(node: 0, count: 0, isObject: false)
    /// How many containers are open.
    var depth = 0
    /// The open containers around ``top``, outermost first.
    var outer: [Frame] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        nodes.reserveCapacity(bytes.count / 12 + 4)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// The nodes of the document; `nil` when it is not one JSON value.
    mutating func parse() -> [JSONTape.Node]? {
        outer.reserveCapacity(16)
        skipWhitespace()
        valueLoop: while true {
            // A value starts here.
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                guard openContainer(.object) else { return nil }
                skipWhitespace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    closeContainer()
                } else {
                    guard parseKey() else { return nil }
                    continue valueLoop
                }
            case UInt8(ascii: "["):
                guard openContainer(.array) else { return nil }
                skipWhitespace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    closeContainer()
                } else {
                    continue valueLoop
                }
            case UInt8(ascii: "\""):
                guard parseString() else { return nil }
            case UInt8(ascii: "t"):
                guard expect("true") else { return nil }
                append(.true, start: 0, end: 0)
            case UInt8(ascii: "f"):
                guard expect("false") else { return nil }
                append(.false, start: 0, end: 0)
            case UInt8(ascii: "n"):
                guard expect("null") else { return nil }
                append(.null, start: 0, end: 0)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard parseNumber() else { return nil }
            default:
                return nil
            }
            // A value has ended: continue the innermost container, or close it.
            while depth > 0 {
                top.count += 1
                skipWhitespace()
                guard index < bytes.count else { return nil }
                let c = bytes[index]
                index += 1
                if c == UInt8(ascii: ",") {
                    skipWhitespace()
                    if top.isObject {
                        guard parseKey() else { return nil }
                    }
                    continue valueLoop
                }
                guard c == (top.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return nil }
                closeContainer()
            }
            skipWhitespace()
            return index == bytes.count ? nodes : nil
        }
    }

    @inline(__always)
    mutating func append(_ kind: JSONTape.Kind, start: Int, end: Int, flags: UInt8 = 0) {
        nodes.append(
            JSONTape.Node(
                kind: kind, flags: flags, start: UInt32(truncatingIfNeeded: start), end: UInt32(truncatingIfNeeded: end)))
    }

    mutating func openContainer(_ kind: JSONTape.Kind) -> Bool {
        guard depth < JSONTape.maxDepth else { return false }
        if depth > 0 { outer.append(top) }
        top = Frame(node: nodes.count, count: 0, isObject: kind == .object)
        depth += 1
        append(kind, start: 0, end: 0)
        index += 1
        return true
    }

    /// Closes the innermost container, writing its count and its end; the caller's loop counts it in its parent
    /// as a finished value.
    mutating func closeContainer() {
        nodes[top.node].start = top.count
        nodes[top.node].end = UInt32(truncatingIfNeeded: nodes.count)
        depth -= 1
        if depth > 0, let enclosing = outer.popLast() { top = enclosing }
    }

    /// Reads `"key" :` with the whitespace around the colon, leaving the index at the value.
    @inline(__always)
    mutating func parseKey() -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), parseString() else { return false }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
        index += 1
        skipWhitespace()
        return true
    }

    mutating func expect(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let start = literal.utf8Start
        for i in 0..<count where bytes[index + i] != start[i] { return false }
        index += count
        return true
    }

    /// Validates a string from its opening quote and appends its node.
    @inline(__always)
    mutating func parseString() -> Bool {
        index += 1
        let start = index
        var flags: UInt8 = 0
        let count = bytes.count
        guard let base = bytes.baseAddress else { return false }
        while true {
            // Eight bytes at a time while none is a quote, a backslash, a control character or non-ASCII.
            while index + 8 <= count {
                // Little-endian, so the lowest byte is the first one on every platform.
                let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                let ones: UInt64 = 0x0101_0101_0101_0101
                let highs: UInt64 = 0x8080_8080_8080_8080
                let quote = word ^ (ones &* 0x22)
                let slash = word ^ (ones &* 0x5C)
                let special = (((quote &- ones) & ~quote) | ((slash &- ones) & ~slash) | (word &- ones &* 0x20) | word)
                    & highs
                if special != 0 {
                    // The lowest flagged byte is exact (borrows only run upwards): go straight to it.
                    index += special.trailingZeroBitCount >> 3
                    break
                }
                index += 8
            }
            guard index < count else { return false }
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                append(.string, start: start, end: index, flags: flags)
                index += 1
                return true
            }
            if c == UInt8(ascii: "\\") {
                flags |= JSONTape.Node.escaped
                index += 1
                guard index < count else { return false }
                switch bytes[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    index += 1
                    guard index + 4 <= count else { return false }
                    for k in 0..<4 where Hex.nibble(bytes[index + k]) == nil { return false }
                    index += 4
                default:
                    return false
                }
                continue
            }
            if c < 0x20 { return false }
            if c >= 0x80 { flags |= JSONTape.Node.nonASCII }
            index += 1
        }
    }

    /// Validates a number and appends its node.
    mutating func parseNumber() -> Bool {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        guard index > digitsStart else { return false }
        if bytes[digitsStart] == 0x30 && index - digitsStart > 1 { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > fractionStart else { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            let exponentStart = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > exponentStart else { return false }
        }
        append(.number, start: start, end: index)
        return true
    }
}
