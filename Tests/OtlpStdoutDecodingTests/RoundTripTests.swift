import OtelHost
import OtelStdoutExporter
import OtlpStdoutDecoding
import Testing
import Tracing
import W3CTraceContext

/// A number written with `.stringConvertible`, which the exporter writes as its text.
struct Celsius: CustomStringConvertible, Sendable {
    var degrees: Int
    var description: String { "\(degrees) °C" }
}

/// What the exporter writes comes back from `OtlpStdoutLine(decoding:)` field for field.
struct RoundTripTests {
    static let traceID = TraceID(high: 0x0af7_6519_16cd_43dd, low: 0x8448_eb21_1c80_319c)
    static let linkedTraceID = TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736)

    func exportedLine(_ spans: [FinishedSpan]) async throws -> OtlpStdoutLine {
        let output = BufferLineOutput()
        try await OtlpStdoutSpanExporter(output: output, environment: OtelEnvironment()).export(spans)
        let lines = output.takeLines()
        #expect(lines.count == 1)
        return try OtlpStdoutLine(decoding: try #require(lines.first))
    }

    @Test func everyAttributeTypeAndEveryFieldOfASpan() async throws {
        let attributes: SpanAttributes = [
            "a.string": .string("hello"),
            "a.bool": .bool(true),
            "a.int64": .int64(-9_000_000_000),
            "a.int32": .int32(-42),
            "a.double": .double(2.5),
            "a.described": .stringConvertible(Celsius(degrees: 21)),
            "a.strings": .stringArray(["x", "", "z"]),
            "a.int64s": .int64Array([1, -2, Int64.max]),
            "a.int32s": .int32Array([Int32.min, 0]),
            "a.doubles": .doubleArray([0.25, -1e300]),
            "a.bools": .boolArray([true, false]),
            "a.descriptions": .stringConvertibleArray([Celsius(degrees: -3), Celsius(degrees: 100)]),
        ]
        let linked = OtelSpanContext(
            traceID: Self.linkedTraceID, spanID: SpanID(value: 0x00f0_67aa_0ba9_02b7), flags: .sampled,
            traceState: "vendor=opaque", isRemote: true)
        let span = FinishedSpan(
            context: OtelSpanContext(
                traceID: Self.traceID, spanID: SpanID(value: 0xb7ad_6b71_6920_3331), flags: .sampled,
                traceState: "congo=t61rcWkgMzE"),
            parentSpanID: SpanID(value: 0x53995c3f42cd8ad8), parentIsRemote: true,
            name: "GET /orders/{orderId}", kind: .server,
            startTimeUnixNano: 1_700_000_000_000_000_001, endTimeUnixNano: 1_700_000_000_012_345_678,
            attributes: attributes, droppedAttributesCount: 3,
            events: [
                FinishedEvent(
                    name: "cache miss", timeUnixNano: 1_700_000_000_001_000_000, attributes: ["cache.key": "order-42"],
                    droppedAttributesCount: 1)
            ],
            droppedEventsCount: 2,
            links: [FinishedLink(context: linked, attributes: ["messaging.message.id": "m-1"])],
            droppedLinksCount: 4,
            status: SpanStatus(code: .error, message: "HTTP 502 response"),
            resource: OtelResource(attributes: ["service.name": "orders", "cloud.provider": "aws"]),
            scope: InstrumentationScope(name: "orders-lib", version: "1.2.3", attributes: ["scope.kind": "test"]))

        let line = try await exportedLine([span])
        #expect(line.version == LibraryInfo.version)
        #expect(line.contentType == "application/x-protobuf")
        #expect(line.contentEncoding == "gzip")
        #expect(line.request.resourceSpans.count == 1)
        let resourceSpans = line.request.resourceSpans[0]
        #expect(resourceSpans.resource["service.name"] == .string("orders"))
        #expect(resourceSpans.resource["cloud.provider"] == .string("aws"))
        #expect(resourceSpans.scopeSpans.count == 1)
        let scope = resourceSpans.scopeSpans[0]
        #expect(scope.scopeName == "orders-lib")
        #expect(scope.scopeVersion == "1.2.3")
        #expect(scope.scopeAttributes.map(\.key) == ["scope.kind"])
        #expect(scope.scopeAttributes["scope.kind"] == .string("test"))
        #expect(scope.spans.count == 1)

        let decoded = scope.spans[0]
        #expect(decoded.traceID == "0af7651916cd43dd8448eb211c80319c")
        #expect(decoded.spanID == "b7ad6b7169203331")
        #expect(decoded.traceState == "congo=t61rcWkgMzE")
        #expect(decoded.parentSpanID == "53995c3f42cd8ad8")
        #expect(decoded.name == "GET /orders/{orderId}")
        #expect(decoded.kindName == "SERVER")
        #expect(decoded.startTimeUnixNano == 1_700_000_000_000_000_001)
        #expect(decoded.endTimeUnixNano == 1_700_000_000_012_345_678)
        #expect(decoded.durationNanos == 12_345_677)
        #expect(decoded.flags == span.otlpFlags)
        #expect(decoded.statusCode == 2)
        #expect(decoded.statusMessage == "HTTP 502 response")

        let a = decoded.attributes
        #expect(a.count == 12)
        #expect(a["a.string"] == .string("hello"))
        #expect(a["a.bool"] == .bool(true))
        #expect(a["a.int64"] == .int(-9_000_000_000))
        #expect(a["a.int32"] == .int(-42))
        #expect(a["a.double"] == .double(2.5))
        #expect(a["a.described"] == .string("21 °C"))
        #expect(a["a.strings"] == .array([.string("x"), .string(""), .string("z")]))
        #expect(a["a.int64s"] == .array([.int(1), .int(-2), .int(Int64.max)]))
        #expect(a["a.int32s"] == .array([.int(Int64(Int32.min)), .int(0)]))
        #expect(a["a.doubles"] == .array([.double(0.25), .double(-1e300)]))
        #expect(a["a.bools"] == .array([.bool(true), .bool(false)]))
        #expect(a["a.descriptions"] == .array([.string("-3 °C"), .string("100 °C")]))
        #expect(decoded.droppedAttributesCount == 3)

        #expect(decoded.events.count == 1)
        #expect(decoded.events.first?.name == "cache miss")
        #expect(decoded.events.first?.timeUnixNano == 1_700_000_000_001_000_000)
        #expect(decoded.events.first?.attributes["cache.key"] == .string("order-42"))
        #expect(decoded.events.first?.droppedAttributesCount == 1)
        #expect(decoded.droppedEventsCount == 2)

        #expect(decoded.links.count == 1)
        let link = try #require(decoded.links.first)
        #expect(link.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(link.spanID == "00f067aa0ba902b7")
        #expect(link.traceState == "vendor=opaque")
        #expect(link.attributes["messaging.message.id"] == .string("m-1"))
        #expect(link.flags & 0x01 == 0x01)
        #expect(decoded.droppedLinksCount == 4)
    }

    @Test func spansOfTwoResourcesStayApartAndInOrder() async throws {
        func span(_ name: String, _ resource: OtelResource) -> FinishedSpan {
            FinishedSpan(
                context: OtelSpanContext(traceID: .random(), spanID: .random(), flags: .sampled), name: name,
                startTimeUnixNano: 1, endTimeUnixNano: 2, resource: resource)
        }
        let first = OtelResource(attributes: ["service.name": "first"])
        let second = OtelResource(attributes: ["service.name": "second"])
        let line = try await exportedLine([span("a", first), span("b", second), span("c", first)])
        #expect(line.request.resourceSpans.count == 2)
        let byService = line.request.allSpans.map { ($0.resource["service.name"]?.description ?? "", $0.span.name) }
        #expect(byService.map(\.0).sorted() == ["first", "first", "second"])
        #expect(Set(byService.filter { $0.0 == "first" }.map(\.1)) == ["a", "c"])
        #expect(line.request.allSpans.allSatisfy { $0.span.parentSpanID == nil && $0.span.kindName == "INTERNAL" })
    }

    /// Value kinds the exporter never writes (key–value lists, bytes, an empty `AnyValue`) and fields this decoder
    /// does not know, in a request written by hand.
    @Test func keyValueListsBytesAndUnknownFields() throws {
        func varint(_ value: UInt64) -> [UInt8] {
            var value = value
            var out: [UInt8] = []
            while value >= 0x80 {
                out.append(UInt8(value & 0x7F) | 0x80)
                value >>= 7
            }
            return out + [UInt8(value)]
        }
        func field(_ number: UInt64, _ bytes: [UInt8]) -> [UInt8] { varint(number << 3 | 2) + varint(UInt64(bytes.count)) + bytes }
        func string(_ number: UInt64, _ text: String) -> [UInt8] { field(number, Array(text.utf8)) }
        func keyValue(_ key: String, _ anyValue: [UInt8]) -> [UInt8] { string(1, key) + field(2, anyValue) }
        let unknownVarint = varint(99 << 3 | 0) + varint(300)

        let list = field(6, field(1, keyValue("inner", string(1, "v"))) + unknownVarint + field(1, keyValue("n", varint(3 << 3) + varint(7))))
        let bytes = field(7, [0x00, 0xFF, 0x10])
        let span = string(5, "by hand") + unknownVarint
            + field(9, keyValue("list", list)) + field(9, keyValue("bytes", bytes)) + field(9, keyValue("empty", []))
            + field(9, keyValue("nested", field(5, field(1, field(5, field(1, string(1, "deep")))))))
        let request = field(1, field(2, field(2, span) + unknownVarint) + unknownVarint) + unknownVarint

        let decoded = try DecodedRequest(protobuf: request)
        let only = try #require(decoded.allSpans.first)
        #expect(decoded.allSpans.count == 1)
        #expect(only.span.name == "by hand")
        guard case .keyValueList(let members)? = only.span.attributes["list"] else {
            Issue.record("list is not a key–value list")
            return
        }
        #expect(members.map(\.key) == ["inner", "n"])
        #expect(members["inner"] == .string("v"))
        #expect(members["n"] == .int(7))
        #expect(only.span.attributes["bytes"] == .bytes([0x00, 0xFF, 0x10]))
        #expect(only.span.attributes["empty"] == .empty)
        #expect(only.span.attributes["nested"] == .array([.array([.string("deep")])]))
        #expect(only.span.attributes["list"]?.description == "{inner=v, n=7}")
        #expect(only.span.attributes["bytes"]?.description == "<3 bytes>")
    }

    @Test func truncatedPayloadsAreRefused() throws {
        // A span field that says it is 10 bytes long, with 2 left.
        #expect(throws: OtlpStdoutDecoding.DecodingError.self) { try DecodedRequest(protobuf: [0x0A, 0x0A, 0x12, 0x00]) }
        // A varint that never ends.
        #expect(throws: OtlpStdoutDecoding.DecodingError.self) { try DecodedRequest(protobuf: [0x08, 0xFF]) }
        // Wire type 3 (groups) is not supported.
        #expect(throws: OtlpStdoutDecoding.DecodingError.self) { try DecodedRequest(protobuf: [0x0B]) }
    }
}
