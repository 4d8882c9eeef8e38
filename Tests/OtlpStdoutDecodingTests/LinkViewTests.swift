import OtelHost
import OtelStdoutExporter
import OtlpStdoutDecoding
import Testing
import Tracing
import W3CTraceContext

/// Links as `otel-lite-view` shows them, from a real exporter line.
struct LinkViewTests {
    func decodedSpan(withLinks: Bool = true) async throws -> (resource: [DecodedAttribute], span: DecodedSpan) {
        let linked = OtelSpanContext(
            traceID: TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736), spanID: SpanID(value: 0x00f0_67aa_0ba9_02b7),
            flags: .sampled, traceState: "vendor=opaque", isRemote: true)
        let span = FinishedSpan(
            context: OtelSpanContext(traceID: .random(), spanID: .random(), flags: .sampled),
            name: "orders process", kind: .consumer, startTimeUnixNano: 1_700_000_000_000_000_000,
            endTimeUnixNano: 1_700_000_000_005_000_000,
            links: withLinks ? [FinishedLink(context: linked, attributes: ["messaging.message.id": "m-1"])] : [],
            droppedLinksCount: withLinks ? 4 : 0,
            resource: OtelResource(attributes: ["service.name": "orders"]))
        let output = BufferLineOutput()
        try await OtlpStdoutSpanExporter(output: output, environment: OtelEnvironment()).export([span])
        let line = try OtlpStdoutLine(decoding: try #require(output.takeLines().first))
        return try #require(line.request.allSpans.first)
    }

    @Test func waterfallCountsLinksAndListsThemOnRequest() async throws {
        let entry = try await decodedSpan()
        let summary = WaterfallRenderer().render([entry])
        #expect(summary.contains("↪ 1 link (+4 dropped)"))
        #expect(!summary.contains("00f067aa0ba902b7"))
        let detailed = WaterfallRenderer(showLinks: true).render([entry])
        #expect(detailed.contains(
            "↪ link trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7 tracestate=vendor=opaque messaging.message.id=m-1"))
        #expect(detailed.contains("↪ 4 more links dropped"))
    }

    @Test func jsonHasLinksAndTheDroppedCount() async throws {
        let entry = try await decodedSpan()
        let json = entry.span.jsonValue(resource: entry.resource)
        #expect(json["dropped_links_count"] == .number(4))
        let link = try #require(json["links"]?.arrayValue?.first)
        #expect(link["trace_id"] == .string("4bf92f3577b34da6a3ce929d0e0e4736"))
        #expect(link["span_id"] == .string("00f067aa0ba902b7"))
        #expect(link["trace_state"] == .string("vendor=opaque"))
        #expect(link["attributes"]?["messaging.message.id"] == .string("m-1"))
        #expect(json["kind"] == .string("CONSUMER"))
        #expect(json["resource"]?["service.name"] == .string("orders"))
    }

    @Test func aSpanWithoutLinksHasNoLinkLine() async throws {
        let entry = try await decodedSpan(withLinks: false)
        #expect(!WaterfallRenderer().render([entry]).contains("↪"))
        #expect(!WaterfallRenderer(showLinks: true).render([entry]).contains("↪"))
        #expect(entry.span.jsonValue(resource: []).jsonString.contains(#""links":[],"dropped_links_count":0"#))
    }
}
