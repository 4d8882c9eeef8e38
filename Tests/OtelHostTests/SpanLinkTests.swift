import InMemoryLogging
import Logging
import NIOConcurrencyHelpers
import OtelHost
import OtelHostTesting
import Testing
import Tracing
import W3CTraceContext

struct XRaySampledTests {
    let root = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"

    @Test func parseKeepsTheThreeSampledStates() throws {
        let sampled = try #require(XRayPropagator.parse(root + ";Sampled=1"))
        #expect(sampled.isSampled && !sampled.isSamplingDeferred)
        let unsampled = try #require(XRayPropagator.parse(root + ";Sampled=0"))
        #expect(!unsampled.isSampled && !unsampled.isSamplingDeferred)
        for deferred in [root + ";Sampled=?", root, root + ";Sampled=maybe;Lineage=a:1"] {
            let context = try #require(XRayPropagator.parse(deferred))
            #expect(!context.isSampled && context.isSamplingDeferred)
            #expect(context.isRemote)
        }
    }

    @Test func asAParentSampledZeroIsSkippedAndTheRestContinueTheTrace() {
        let xray = XRayPropagator()
        #expect(xray.extract(from: EventHeaders(["X-Amzn-Trace-Id": root + ";Sampled=0"])) == nil)
        #expect(xray.extract(from: EventHeaders(["X-Amzn-Trace-Id": root + ";Sampled=?"]))?.isSamplingDeferred == true)
        #expect(xray.extract(from: EventHeaders(["X-Amzn-Trace-Id": root]))?.spanID.description == "53995c3f42cd8ad8")
        #expect(xray.extract(from: EventHeaders(["X-Amzn-Trace-Id": root + ";Sampled=1"]))?.isSampled == true)
    }

    @Test func xrayLambdaFallsBackToTheRuntimeHeaderWhenTheCarrierSaysSampledZero() {
        let runtime = "Root=1-6631a0c0-0123456789abcdef01234567;Parent=89abcdef01234567;Sampled=1"
        let lambda = XRayLambdaPropagator()
        let carrierZero = EventHeaders([.init(name: "x-amzn-trace-id", value: root + ";Sampled=0")], lambdaTraceHeader: runtime)
        #expect(lambda.extract(from: carrierZero)?.spanID.description == "89abcdef01234567")
        let carrierDeferred = EventHeaders([.init(name: "x-amzn-trace-id", value: root + ";Sampled=?")], lambdaTraceHeader: runtime)
        #expect(lambda.extract(from: carrierDeferred)?.spanID.description == "53995c3f42cd8ad8")
        let runtimeDeferred = EventHeaders([], lambdaTraceHeader: "Root=1-6631a0c0-0123456789abcdef01234567;Parent=89abcdef01234567")
        #expect(lambda.extract(from: runtimeDeferred)?.isSamplingDeferred == true)
    }

    @Test func parentBasedSamplingLetsTheRootDecideForADeferredParent() throws {
        let deferred = try #require(XRayPropagator.parse(root + ";Sampled=?"))
        let unsampled = try #require(XRayPropagator.parse(root + ";Sampled=0"))
        let on = ParentBasedSampler(root: AlwaysOnSampler()), off = ParentBasedSampler(root: AlwaysOffSampler())
        #expect(on.shouldSample(parent: deferred, traceID: deferred.traceID, name: "s", kind: .server) == .recordAndSample)
        #expect(off.shouldSample(parent: deferred, traceID: deferred.traceID, name: "s", kind: .server) == .drop)
        #expect(on.shouldSample(parent: unsampled, traceID: unsampled.traceID, name: "s", kind: .server) == .drop)
    }

    @Test func aSpanUnderADeferredParentStaysInItsTrace() throws {
        let exporter = InMemorySpanExporter()
        let tracer = OtelTracer(processor: LambdaSpanProcessor(exporter: exporter, environment: OtelEnvironment()))
        var context = InstrumentationContext.topLevel
        let parent = try #require(XRayPropagator.parse(root) as OtelSpanContext?)
        context.otelSpanContext = parent
        let span = tracer.startSpan("child", context: context, ofKind: .server)
        #expect(span.isRecording)
        #expect(span.spanContext.isSampled)
        #expect(!span.spanContext.isSamplingDeferred)
        #expect(span.spanContext.traceID.description == "5759e988bd862e3fe1be46a994272793")
        #expect(span.parentSpanID?.description == "53995c3f42cd8ad8")
    }
}

struct SpanLinkBuildingTests {
    @Test func fromXRayHeaderAnySampledValue() throws {
        for sampled in ["1", "0", "?"] {
            let link = try #require(SpanLink.fromXRayHeader(
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=\(sampled)",
                attributes: ["messaging.message.id": "m"]))
            #expect(link.otelSpanContext?.traceID.description == "5759e988bd862e3fe1be46a994272793")
            #expect(link.otelSpanContext?.spanID.description == "53995c3f42cd8ad8")
            #expect(link.attributes.get("messaging.message.id") == .string("m"))
        }
        #expect(SpanLink.fromXRayHeader("Root=1-5759e988-bd862e3fe1be46a994272793") == nil)
        #expect(SpanLink.fromXRayHeader("") == nil)
    }

    @Test func fromTraceparentWithAndWithoutTracestate() throws {
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
        let link = try #require(SpanLink.fromTraceparent(traceparent, tracestate: "a=1,b=2"))
        #expect(link.otelSpanContext?.spanID.description == "00f067aa0ba902b7")
        #expect(link.otelSpanContext?.traceState.contains("b=2") == true)
        #expect(link.otelSpanContext?.isSampled == false)
        // A tracestate the W3C parser rejects does not cost the link.
        #expect(SpanLink.fromTraceparent(traceparent, tracestate: "\u{0}")?.otelSpanContext?.spanID.description == "00f067aa0ba902b7")
        #expect(SpanLink.fromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7") == nil)
        #expect(SpanLink.fromTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01") == nil)
    }

    @Test func traceLinksKeepEachSpanOnce() throws {
        var links = TraceLinks()
        let a = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let first = links.add(SpanLink.fromTraceparent(a, attributes: ["n": 1]))
        let sameSpan = links.add(SpanLink.fromTraceparent(a, tracestate: "x=y", attributes: ["n": 2]))
        let none = links.add(nil)
        let noContext = links.add(SpanLink(context: .topLevel, attributes: [:]))
        // Same span id in another trace is another span.
        let otherTrace = links.add(SpanLink.fromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b7-01"))
        #expect(first && !sameSpan && !none && !noContext && otherTrace)
        #expect(links.count == 2)
        #expect(links.links.first?.attributes.get("n") == .int64(1))
    }
}

@Suite(.serialized)
struct AddLinkTests {
    func tracer(limits: SpanLimits = SpanLimits()) -> (OtelTracer, InMemorySpanExporter) {
        let exporter = InMemorySpanExporter()
        let tracer = OtelTracer(
            processor: LambdaSpanProcessor(exporter: exporter, environment: OtelEnvironment()), limits: limits)
        return (tracer, exporter)
    }

    @Test func aLinkWithoutASpanContextIsRefusedWithADiagnostic() async throws {
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "test") { _ in logs }
        logger.logLevel = .trace
        let (tracer, exporter) = tracer()
        try await Diagnostics.withLogger(logger) {
            let span = tracer.startSpan("refusing", context: .topLevel, ofKind: .server)
            span.addLink(SpanLink(context: .topLevel, attributes: ["why": "no context"]))
            span.end()
            try await tracer.processor.forceFlush()
        }
        let finished = try #require(exporter.spans.first)
        #expect(finished.links.isEmpty)
        #expect(finished.droppedLinksCount == 1)
        let refused = logs.entries.filter { "\($0.message)".contains("span link refused on \"refusing\"") }
        #expect(refused.count == 1)
        #expect(refused.first?.level == .debug)
    }

    @Test func aLinkToAZeroSpanContextIsRefused() async throws {
        let (tracer, exporter) = tracer()
        let span = tracer.startSpan("zero", context: .topLevel, ofKind: .server)
        span.addLink(SpanLink(linking: OtelSpanContext(traceID: .null, spanID: .null, flags: .sampled, isRemote: true)))
        span.addLink(SpanLink(linking: OtelSpanContext(traceID: .random(), spanID: .null, flags: [], isRemote: true)))
        span.end()
        try await tracer.processor.forceFlush()
        let finished = try #require(exporter.spans.first)
        #expect(finished.links.isEmpty)
        #expect(finished.droppedLinksCount == 2)
    }

    @Test func linksOverTheLimitAreCountedNotKept() async throws {
        let (tracer, exporter) = tracer(limits: SpanLimits(linkCountLimit: 3))
        let span = tracer.startSpan("limited", context: .topLevel, ofKind: .consumer)
        for i in 1...10 {
            let context = OtelSpanContext(traceID: .random(), spanID: SpanID(value: UInt64(i)), flags: .sampled, isRemote: true)
            span.addLink(SpanLink(linking: context, attributes: ["i": .int64(Int64(i))]))
        }
        span.end()
        try await tracer.processor.forceFlush()
        let finished = try #require(exporter.spans.first)
        #expect(finished.links.map(\.context.spanID) == [SpanID(value: 1), SpanID(value: 2), SpanID(value: 3)])
        #expect(finished.droppedLinksCount == 7)
    }
}
