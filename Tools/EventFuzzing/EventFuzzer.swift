import HelloLambdaHandler
package import LambdaOtelLite
package import OtelHostTesting

/// A seeded generator of hostile Lambda events: mutations of the sample events (truncated JSON, wrong types in
/// every field, huge and duplicated headers, invalid UTF-8, deep nesting, very large events, malformed
/// `traceparent` and `X-Amzn-Trace-Id`). The same seed gives the same events.
package struct EventFuzzer {
    private var random: SeededGenerator

    package init(seed: UInt64) {
        random = SeededGenerator(seed: seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed)
    }

    mutating func next() -> UInt64 { random.next() }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    static let samples: [[UInt8]] = SampleEvents.all.map { Array($0.json.utf8) }

    static let traceparents = [
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "", "-", "00--", "ff-ffffffffffffffffffffffffffffffff-ffffffffffffffff-ff",
        String(repeating: "0", count: 10_000),
    ]
    static let xrays = [
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "Root=1-5759e988-bd862e3fe1be46a994272793",
        "Root=;Parent=;Sampled=", ";;;;", "Root=1-zzzzzzzz-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",
        "Sampled=0", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=x:1",
        String(repeating: "Root=1-;", count: 2000),
    ]
    static let wrongValues = ["null", "1", "-1e309", "true", "[]", "{}", "[[[[[]]]]]", "\"\"", "\"\\ud800\"", "1.5e3", "{\"a\":{}}"]

    /// The next event, as bytes.
    package mutating func event() -> [UInt8] {
        let base = Self.samples[below(Self.samples.count)]
        switch below(12) {
        case 0:
            return Array(base.prefix(below(base.count + 1)))  // truncated
        case 1:
            return replaceValue(base, with: Array(Self.wrongValues[below(Self.wrongValues.count)].utf8))
        case 2:
            var bytes = base
            for _ in 0..<(1 + below(8)) where !bytes.isEmpty {
                bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: next())  // random bytes, invalid UTF-8 too
            }
            return bytes
        case 3:
            return Array("{\"headers\":{\"traceparent\":\"\(escape(Self.traceparents[below(Self.traceparents.count)]))\",\"X-Amzn-Trace-Id\":\"\(escape(Self.xrays[below(Self.xrays.count)]))\"}}".utf8)
        case 4:
            let depth = 1 + below(2000)
            return Array(String(repeating: "[", count: depth).utf8) + Array(String(repeating: "]", count: below(2) == 0 ? depth : depth / 2).utf8)
        case 5:
            // Huge and duplicated headers.
            var headers: [String] = []
            for i in 0..<(1 + below(50)) {
                let name = below(2) == 0 ? "traceparent" : "x-h\(i % 5)"
                headers.append("\"\(name)\":\"\(String(repeating: "v", count: below(20_000)))\"")
            }
            return Array("{\"version\":\"2.0\",\"requestContext\":{\"http\":{\"method\":\"GET\"}},\"headers\":{\(headers.joined(separator: ","))}}".utf8)
        case 6:
            // Valid JSON of every type at the top level.
            return Array(Self.wrongValues[below(Self.wrongValues.count)].utf8)
        case 7:
            return []
        case 8:
            // Invalid UTF-8 inside string values.
            var bytes = base
            if let quote = bytes.firstIndex(of: UInt8(ascii: "\"")) {
                bytes.insert(contentsOf: [0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80], at: quote + 1)
            }
            return bytes
        case 9:
            return replaceValue(base, with: Array("\"\(escape(Self.xrays[below(Self.xrays.count)]))\"".utf8))
        case 10:
            // Mixed-case duplicated header names with conflicting trace contexts.
            return Array("{\"headers\":{\"TraceParent\":\"\(Self.traceparents[below(3)])\",\"traceparent\":\"\(Self.traceparents[below(Self.traceparents.count)].prefix(60))\",\"X-AMZN-TRACE-ID\":\"\(Self.xrays[below(3)])\"}}".utf8)
        default:
            return base
        }
    }

    /// A very large event (about `megabytes` MB) with a large body, as API Gateway can deliver.
    package mutating func largeEvent(megabytes: Int) -> [UInt8] {
        let body = String(repeating: "x", count: megabytes * 1_000_000)
        return Array("{\"version\":\"2.0\",\"rawPath\":\"/big\",\"requestContext\":{\"http\":{\"method\":\"POST\"}},\"body\":\"\(body)\"}".utf8)
    }

    /// Replaces the value after a random `":` in the JSON with `value`.
    mutating func replaceValue(_ bytes: [UInt8], with value: [UInt8]) -> [UInt8] {
        var positions: [Int] = []
        for i in 1..<max(1, bytes.count) where bytes[i] == UInt8(ascii: ":") && bytes[i - 1] == UInt8(ascii: "\"") {
            positions.append(i)
        }
        guard !positions.isEmpty else { return bytes }
        let start = positions[below(positions.count)] + 1
        var end = start
        var depth = 0
        var inString = false
        while end < bytes.count {
            let c = bytes[end]
            if inString {
                if c == UInt8(ascii: "\\") { end += 1 } else if c == UInt8(ascii: "\"") { inString = false; if depth == 0 { end += 1; break } }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                if depth == 0 { break }
                depth -= 1
                if depth == 0 { end += 1; break }
            } else if c == UInt8(ascii: ","), depth == 0 {
                break
            }
            end += 1
        }
        return Array(bytes[..<start]) + value + Array(bytes[min(end, bytes.count)...])
    }

    func escape(_ s: String) -> String {
        var out: [UInt8] = []
        JSONWriter.appendString(s, to: &out)
        return String(decoding: out.dropFirst().dropLast(), as: UTF8.self)
    }
}

/// Runs one event through the whole event path — detection, extraction, carrier, propagators, the invocation
/// span — and checks the invariants: exactly one invocation span, and the handler's response unchanged.
package struct EventPathChecker {
    package let telemetry: LambdaTelemetry
    package let exporter = InMemorySpanExporter()

    package init() async {
        let exporter = self.exporter
        telemetry = await LambdaTelemetry.make(
            configuration: OtelConfiguration(exporter: "memory"),
            plugins: [InMemoryExporterPlugin(exporter: exporter)] + .defaults,
            // always_on: an unsampled parent in a hostile event must not hide the invocation span from the check.
            environment: OtelEnvironment(["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "4096", "OTEL_TRACES_SAMPLER": "always_on"]))
    }

    /// `nil` when every invariant holds, else what broke.
    package func check(_ event: [UInt8], index: Int) async -> String? {
        let context = InvocationContext(
            requestID: "fuzz-\(index)", deadline: .now + .seconds(86_400),
            invokedFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:fuzz",
            traceHeader: index % 3 == 0 ? EventFuzzer.xrays[index % EventFuzzer.xrays.count] : nil)
        let expected = "response-\(index)"
        let output: String
        do {
            output = try await telemetry.traceInvocation(context, extracted: telemetry.extract(rawEvent: event)) { _ in
                expected
            }
        } catch {
            return "the invocation threw \(error)"
        }
        guard output == expected else { return "the response changed: \(output)" }
        let spans = exporter.spans
        exporter.reset()
        guard spans.count == 1 else { return "\(spans.count) spans instead of 1" }
        guard spans[0].attributes.get("faas.invocation_id") == .string(context.requestID) else { return "wrong span" }
        for key in ["url.query", "user_agent.original", "url.path"] {
            if case .string(let value)? = spans[0].attributes.get(key), value.count > 4096 {
                return "\(key) is \(value.count) characters, over the limit"
            }
        }
        return nil
    }
}
