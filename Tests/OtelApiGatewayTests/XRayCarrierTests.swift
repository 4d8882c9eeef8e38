import OtelApiGateway
import OtelHost
import OtlpStdoutDecoding
import PluginTestSupport
import Testing
import Tracing

/// The HTTP API extractor, plus a link built from the request's own X-Ray header: what a user's extractor does
/// with `SpanLink.fromXRayHeader`.
struct LinkingHTTPExtractor: EventExtractor {
    let inner: any EventExtractor = ApiGatewayEvents.v2()
    var name: String { "linking-http" }
    func matches(_ event: EventValue) -> Bool { inner.matches(event) }
    func extract(_ event: EventValue) -> ExtractedSpan {
        var extracted = inner.extract(event)
        if let header = extracted.carrier?.value(forHeader: "x-amzn-trace-id"),
            let link = SpanLink.fromXRayHeader(header, attributes: ["link.source": "x-amzn-trace-id"])
        {
            extracted.links.append(link)
        }
        return extracted
    }
}

struct XRayCarrierTests {
    static let root = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"
    static let runtime = "Root=1-6631a0c0-0123456789abcdef01234567;Parent=89abcdef01234567;Sampled=1"

    func request(headers: [(String, String)]) -> String {
        let members = headers.map { #""\#($0.0)":"\#($0.1)""# }.joined(separator: ",")
        return #"""
        {"version":"2.0","routeKey":"GET /orders/{orderId}","rawPath":"/orders/42","rawQueryString":"",
         "headers":{"host":"api.example.com",\#(members)},
         "requestContext":{"domainName":"api.example.com","http":{"method":"GET","path":"/orders/42",
           "protocol":"HTTP/1.1","sourceIp":"203.0.113.17","userAgent":"curl/8.5.0"},"stage":"$default"}}
        """#
    }

    func run(headers: [(String, String)], traceHeader: String? = nil, environment: [String: String] = [:]) async throws
        -> ExportedInvocation
    {
        let plugin = ClosurePlugin { $0.registerExtractor(LinkingHTTPExtractor()) }
        return try await invoke(request(headers: headers), plugins: [plugin], environment: environment, traceHeader: traceHeader)
    }

    @Test(arguments: [";Sampled=?", ""])
    func undecidedHeaderContinuesTheCarriersTrace(sampled: String) async throws {
        let exported = try await run(headers: [("X-Amzn-Trace-Id", Self.root + sampled)], traceHeader: Self.runtime)
        #expect(exported.spans.count == 1)
        let span = try #require(exported.invocationSpans.first)
        #expect(span.name == "GET /orders/{orderId}")
        #expect(span.traceID == "5759e988bd862e3fe1be46a994272793")
        #expect(span.parentSpanID == "53995c3f42cd8ad8")
        #expect(span.flags & 0x1 == 0x1)
        #expect(span.links.count == 1)
        #expect(span.links.first?.traceID == "5759e988bd862e3fe1be46a994272793")
        #expect(span.links.first?.spanID == "53995c3f42cd8ad8")
        #expect(span.links.first?.attributes["link.source"] == .string("x-amzn-trace-id"))
    }

    @Test func sampledZeroIsNotTheParentTheRuntimeHeaderIs() async throws {
        let exported = try await run(headers: [("X-Amzn-Trace-Id", Self.root + ";Sampled=0")], traceHeader: Self.runtime)
        #expect(exported.spans.count == 1)
        let span = try #require(exported.invocationSpans.first)
        #expect(span.traceID == "6631a0c00123456789abcdef01234567")
        #expect(span.parentSpanID == "89abcdef01234567")
        #expect(span.links.map(\.spanID) == ["53995c3f42cd8ad8"])
        #expect(span.links.first?.traceID == "5759e988bd862e3fe1be46a994272793")
    }

    @Test func sampledZeroWithoutAnotherSourceStartsANewTrace() async throws {
        let exported = try await run(headers: [("X-Amzn-Trace-Id", Self.root + ";Sampled=0")])
        #expect(exported.spans.count == 1)
        let span = try #require(exported.invocationSpans.first)
        #expect(span.parentSpanID == nil)
        #expect(span.traceID != "5759e988bd862e3fe1be46a994272793")
        #expect(span.links.map(\.spanID) == ["53995c3f42cd8ad8"])
    }

    @Test func sampledOneIsAnOrdinaryParent() async throws {
        let exported = try await run(headers: [("X-Amzn-Trace-Id", Self.root + ";Sampled=1")], traceHeader: Self.runtime)
        let span = try #require(exported.invocationSpans.first)
        #expect(exported.spans.count == 1)
        #expect(span.parentSpanID == "53995c3f42cd8ad8")
    }

    @Test func theRootSamplerDecidesForAnUndecidedHeader() async throws {
        let never = ["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"]
        let undecided = try await run(headers: [("X-Amzn-Trace-Id", Self.root + ";Sampled=?")], environment: never)
        #expect(undecided.spans.isEmpty)
        // A sampled parent is still followed whatever the root sampler says.
        let sampled = try await run(headers: [("X-Amzn-Trace-Id", Self.root + ";Sampled=1")], environment: never)
        #expect(sampled.spans.count == 1)
    }

    @Test func anUnsampledTraceparentKeepsW3CSemantics() async throws {
        let exported = try await run(headers: [
            ("X-Amzn-Trace-Id", Self.root + ";Sampled=1"),
            ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
        ])
        #expect(exported.spans.isEmpty)
        let sampled = try await run(headers: [
            ("X-Amzn-Trace-Id", Self.root + ";Sampled=0"),
            ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        ])
        #expect(sampled.invocationSpans.first?.parentSpanID == "00f067aa0ba902b7")
    }
}
