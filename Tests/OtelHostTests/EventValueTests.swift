import OtelHost
import OtelHostTesting
import Testing
import W3CTraceContext

/// The flat parse behind ``EventValue`` reads every document as the ``JSONValue`` tree parser does.
struct EventValueParseTests {
    /// Parses `bytes` both ways and expects the same outcome.
    func expectSameParse(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let tree = try? JSONValue(parsing: bytes)
        let event = EventValue(parsing: bytes)
        #expect((tree == nil) == (event == nil), "acceptance differs for \(bytes)", sourceLocation: sourceLocation)
        if let tree, let event {
            #expect(event.json == tree, "value differs for \(bytes)", sourceLocation: sourceLocation)
            #expect(Self.countsMatch(event, tree), "counts differ for \(bytes)", sourceLocation: sourceLocation)
        }
    }

    /// Whether every array and object of `event` reports as many elements or members as the tree has, all the way
    /// down.
    static func countsMatch(_ event: EventValue, _ tree: JSONValue) -> Bool {
        switch tree {
        case .array(let elements):
            guard event.count == elements.count, let values = event.elements, values.count == elements.count else {
                return false
            }
            return zip(values, elements).allSatisfy { countsMatch($0, $1) }
        case .object(let object):
            guard event.count == object.members.count, let members = event.members else { return false }
            return zip(members, object.members).allSatisfy { countsMatch($0.value, $1.value) }
        default:
            return event.count == nil
        }
    }

    @Test func stringsWithSpecialBytesAtEveryOffsetParseAsTheTreeDoes() {
        // A quote, a backslash escape, a control character or a non-ASCII byte at each offset of strings long
        // enough to be scanned eight bytes at a time.
        let specials: [[UInt8]] = [Array(#"""#.utf8), Array(#"\"#.utf8), Array(#"A"#.utf8), [0x01], [0x1F],
            [0xC3, 0xA9], [0xFF], [0x22]]
        for offset in 0..<24 {
            for special in specials {
                let text = Array(repeating: UInt8(ascii: "a"), count: offset) + special
                    + Array(repeating: UInt8(ascii: "b"), count: 20)
                expectSameParse(Array(#"{"k":""#.utf8) + text + Array(#"","n":[1,{}]}"#.utf8))
            }
        }
    }

    static let corpus: [String] = [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #"  [ 1 , -0 , 0.5 , 1e3 , -2.5E-3 , 18446744073709551616 , 123456789012345678901234567890 ]  "#,
        #"{"a":1,"a":2,"a":{"x":[]}}"#,
        #"{"k\u0065y":"v\"\\\/\b\f\n\r\t","":""}"#,
        #"["\ud83d\ude00","\ud83d","\ude00","\ud83dx","\ud83d\u0041","\ud83d\ud83d\ude00"]"#,
        #"{"x":{},"y":[],"z":[{},[],[[]]]}"#,
        "\"plain\"", "0", "-1", "true", "null", "[]", "{}",
        // Rejected.
        "", " ", "[1,]", #"{"a":1,}"#, "[01]", "[1.]", "[.5]", "[1e]", "[-]", "tru", "nul", "[1 2]", #"{"a" 1}"#,
        #"{1:2}"#, "[1]]", "[[1]", #""\x""#, #""\u12g4""#, #""\u12""#, "\"a\u{01}b\"", "\"abc", "[\"a\"", "{\"a\":",
        "1 2", "[,1]", "{,}",
    ]

    @Test func corpusParsesAsTheTreeDoes() {
        for text in Self.corpus { expectSameParse(Array(text.utf8)) }
    }

    @Test func invalidUTF8InKeysAndValuesIsRepaired() throws {
        let bytes: [UInt8] = Array(#"{"k"#.utf8) + [0xFF] + Array(#"":"v"#.utf8) + [0xC3] + Array(#"","k\u00e9":1}"#.utf8)
        expectSameParse(bytes)
        let event = try #require(EventValue(parsing: bytes))
        #expect(event.keys == ["k\u{FFFD}", "ké"])
        #expect(event["k\u{FFFD}"]?.stringValue == "v\u{FFFD}")
        #expect(event["ké"]?.intValue == 1)
        #expect(event["k"] == nil)
    }

    @Test func escapedKeysCompareByTheirDecodedText() throws {
        let event = try #require(EventValue(parsing: #"{"a\u0062c":1,"x\"y":2,"é":3,"e\u0301":4,"Records":5,"Record":6}"#))
        #expect(event["abc"]?.intValue == 1)
        #expect(event["x\"y"]?.intValue == 2)
        // String equality is canonical equivalence: both spellings of é match, the last one wins.
        #expect(event["é"]?.intValue == 4)
        #expect(event["Records"]?.intValue == 5)
        #expect(event["Record"]?.intValue == 6)
        #expect(event["record"] == nil)
        // Two members found in one pass read as each read alone.
        #expect(event.members("abc", "Records").0?.intValue == 1)
        #expect(event.members("abc", "Records").1?.intValue == 5)
        #expect(event.members("é", "é").0?.intValue == 4)
        #expect(event.members("é", "é").1?.intValue == 4)
        #expect(event.members("x\"y", "missing").1 == nil)
        // A key that is not ASCII can still equal an ASCII key: the Kelvin sign is canonically K.
        let kelvin = try #require(EventValue(parsing: #"{"K":1,"a":2,"a":3}"#))
        #expect(kelvin["\u{212A}"]?.intValue == 1)
        #expect(kelvin.members("a", "\u{212A}").0?.intValue == 3)
        #expect(kelvin.members("a", "\u{212A}").1?.intValue == 1)
    }

    @Test func nestingIsLimitedTo512() {
        for depth in [511, 512, 513, 5000] {
            let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            expectSameParse(Array(text.utf8))
            #expect((EventValue(parsing: text) != nil) == (depth <= 512))
            let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
            expectSameParse(Array(objects.utf8))
        }
        let unclosed = String(repeating: "[", count: 100_000)
        #expect(EventValue(parsing: unclosed) == nil)
    }

    @Test func everyTruncationOfAnEventParsesAsTheTreeDoes() {
        let text = #"{"Records":[{"messageId":"m-1","attributes":{"AWSTraceHeader":"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"},"n":-1.5e2,"b":[true,null,"\u00e9\ud83d\ude00"]}]}"#
        let bytes = Array(text.utf8)
        for end in 0...bytes.count { expectSameParse(Array(bytes[0..<end])) }
    }

    @Test func randomDocumentsParseAsTheTreeDoes() async {
        // Long CPU-bound loops give the shared thread pool back now and then, so the suites running beside this
        // one (timers, exporters) are not starved.
        var rng = SeededGenerator(seed: 0x5eed)
        let alphabet: [UInt8] = Array(#"{}[]:,"\u0aA9.-+eE tfnrl "#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xA9, 0xFF, 0x5C]
        for round in 0..<20_000 {
            if round % 500 == 0 { await Task.yield() }
            let count = Int(rng.next() % 24)
            var bytes: [UInt8] = []
            for _ in 0..<count { bytes.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            expectSameParse(bytes)
        }
        // Mutations of a valid document.
        let base = Array(Self.corpus[0].utf8) + Array(Self.corpus[4].utf8)
        for round in 0..<20_000 {
            if round % 500 == 0 { await Task.yield() }
            var bytes = base
            for _ in 0..<(1 + rng.next() % 3) {
                let at = Int(rng.next() % UInt64(bytes.count))
                bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            }
            expectSameParse(bytes)
        }
    }

    @Test func readsOfAParsedEvent() throws {
        let event = try #require(EventValue(parsing: #"{"a":[10,{"b":"c"},[1,2]],"n":2.5,"t":true,"z":null,"big":1e300}"#))
        #expect(event["a"]?[0]?.intValue == 10)
        #expect(event["a"]?[1]?["b"]?.stringValue == "c")
        #expect(event["a"]?[2]?[1]?.intValue == 2)
        #expect(event["a"]?[3] == nil)
        #expect(event["a"]?[-1] == nil)
        #expect(event["a"]?.arrayValue?.count == 3)
        #expect(event["n"]?.numberValue == 2.5)
        #expect(event["n"]?.intValue == nil)
        #expect(event["big"]?.intValue == nil)
        #expect(event["t"]?.boolValue == true)
        #expect(event["z"]?.isNull == true)
        #expect(event["a"]?.isObject == false && event.isObject)
        #expect(event["a"]?["b"] == nil)
        #expect(event.keys == ["a", "n", "t", "z", "big"])
        #expect(event["a"]?[1]?.jsonString == #"{"b":"c"}"#)
        #expect(event["a"]?[1] == EventValue(parsing: #"{ "b" : "c" }"#))
        #expect(event["a"]?[1] != EventValue(parsing: #"{"b":"d"}"#))
        #expect(Set([event["a"]?[1], EventValue(parsing: #"{"b":"c"}"#)]).count == 1)
    }
}

/// Trace headers read from bytes give what the string parsers give.
struct TraceHeaderBytesTests {
    @Test func xrayHeadersParseAsStringsDo() {
        let headers = [
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            " root = 1-5759E988-BD862E3FE1BE46A994272793 ; PARENT=53995c3f42cd8ad8 ;sampled=0;",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?;Lineage=a:1",
            "Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793",
            "Root=1-5759e988-bd862e3fe1be46a99427279;Parent=53995c3f42cd8ad8",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad",
            "Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",
            "Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000",
            "Root=1-5759e988xbd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",
            "Root=1-5759e988-bd862e3fe1be46a99427279g;Parent=53995c3f42cd8ad8",
            ";;Root=1-5759e988-bd862e3fe1be46a994272793;;Parent=53995c3f42cd8ad8;;", "", ";", "=", "Root", "Root=",
        ]
        for header in headers {
            let context = XRayPropagator.parse(header)
            var bytes = Array(header.utf8)
            let fromBytes = bytes.withUnsafeMutableBufferPointer { XRayPropagator.parse(utf8: UnsafeBufferPointer($0)) }
            #expect(context == fromBytes, "\(header)")
        }
        #expect(XRayPropagator.parse(headers[1])?.traceID.description == "5759e988bd862e3fe1be46a994272793")
    }

    /// Reads hex digits one at a time, as a reference for the word-at-a-time reader.
    static func referenceHex(_ bytes: [UInt8], lowercaseOnly: Bool) -> UInt32? {
        var value: UInt32 = 0
        for c in bytes {
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x61...0x66: digit = c - 0x61 + 10
            case 0x41...0x46 where !lowercaseOnly: digit = c - 0x41 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    @Test func eightHexDigitsReadAsOneWordAsTheyDoOneByOne() {
        // Every byte value at every position among valid digits, then random words of hex-like bytes.
        var random = SeededGenerator(seed: 0x4845_5857)
        var words: [[UInt8]] = []
        for position in 0..<8 {
            for byte in 0...255 {
                var word = Array("9aF0b1C2".utf8)
                word[position] = UInt8(byte)
                words.append(word)
            }
        }
        let alphabet = Array("0123456789abcdefABCDEFgG/:@`x ".utf8) + [0x00, 0x7F, 0x80, 0xC0, 0xFF]
        for _ in 0..<20_000 {
            words.append((0..<8).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        }
        // One expectation over all the words keeps this quick under the thread sanitizer.
        var mismatches: [String] = []
        for word in words {
            for lowercaseOnly in [false, true] {
                let fast = word.withUnsafeBytes { Hex.uint32(eightDigitsAt: $0.baseAddress!, lowercaseOnly: lowercaseOnly) }
                if fast != Self.referenceHex(word, lowercaseOnly: lowercaseOnly) {
                    mismatches.append("\(word) lowercaseOnly=\(lowercaseOnly)")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first \(mismatches.prefix(3))")
    }

    @Test func canonicalXRayHeadersReadAsTheFieldByFieldParserDoes() {
        // A trailing `;` keeps the meaning but not the canonical length, so the second parse reads field by field.
        var random = SeededGenerator(seed: 0x5852_4159)
        let hexDigits = Array("0123456789abcdefABCDEF".utf8)
        let noise = Array("0g-;=Z: ".utf8) + [0x80]
        var mismatches: [String] = []
        for round in 0..<5_000 {
            var header = Array("Root=1-".utf8)
            for i in 0..<32 {
                if i == 8 { header.append(UInt8(ascii: "-")) }
                header.append(hexDigits[Int(random.next() % UInt64(hexDigits.count))])
            }
            header += Array(";Parent=".utf8)
            for _ in 0..<16 { header.append(hexDigits[Int(random.next() % UInt64(hexDigits.count))]) }
            switch round % 4 {
            case 0: header += Array(";Sampled=1".utf8)
            case 1: header += Array(";Sampled=0".utf8)
            case 2: header += Array(";Sampled=?".utf8)
            default: break
            }
            if round % 3 == 0 {
                header[Int(random.next() % UInt64(header.count))] = noise[Int(random.next() % UInt64(noise.count))]
            }
            if round % 50 == 0 {
                // Zero ids.
                for i in 7..<40 where header[i] != UInt8(ascii: "-") { header[i] = UInt8(ascii: "0") }
            }
            let canonical = header.withUnsafeBufferPointer { XRayPropagator.parse(utf8: $0) }
            let fieldByField = (header + [UInt8(ascii: ";")]).withUnsafeBufferPointer { XRayPropagator.parse(utf8: $0) }
            if canonical != fieldByField { mismatches.append(String(decoding: header, as: UTF8.self)) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first \(mismatches.prefix(3))")
    }

    @Test func randomTraceparentsParseAsTheW3CLibraryDoes() {
        var random = SeededGenerator(seed: 0x5750_4152)
        let hexDigits = Array("0123456789abcdefABCDEF".utf8)
        let noise = Array("0g-Z ".utf8)
        var mismatches: [String] = []
        for round in 0..<2_000 {
            var value = Array("00-".utf8)
            for _ in 0..<32 { value.append(hexDigits[Int(random.next() % 16)]) }
            value.append(UInt8(ascii: "-"))
            for _ in 0..<16 { value.append(hexDigits[Int(random.next() % 16)]) }
            value += Array("-0".utf8) + [hexDigits[Int(random.next() % 2)]]
            if round % 2 == 0 {
                let digits = round % 4 == 0 ? hexDigits : noise
                value[Int(random.next() % UInt64(value.count))] = digits[Int(random.next() % UInt64(digits.count))]
            }
            let text = String(decoding: value, as: UTF8.self)
            let expected = W3CTraceContextPropagator().extract(from: EventHeaders(["traceparent": text]))
            let fromBytes = value.withUnsafeBufferPointer { W3CTraceContextPropagator.parseTraceparent(utf8: $0) }
            if expected != fromBytes { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first \(mismatches.prefix(3))")
    }

    @Test func traceparentsParseAsThePropagatorDoes() {
        let values = [
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00\t",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "",
        ]
        for value in values {
            let expected = W3CTraceContextPropagator().extract(from: EventHeaders(["traceparent": value]))
            var bytes = Array(value.utf8)
            let fromBytes = bytes.withUnsafeMutableBufferPointer {
                W3CTraceContextPropagator.parseTraceparent(utf8: UnsafeBufferPointer($0))
            }
            #expect(expected == fromBytes, "\(value)")
        }
    }
}

