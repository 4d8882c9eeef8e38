import Instrumentation
import OtelHost
import OtelHostTesting
import Testing
import Tracing
import W3CTraceContext

struct TracerTests {
    func makeTracer(sampler: any Sampler = ParentBasedSampler(root: AlwaysOnSampler())) -> (OtelTracer, InMemorySpanExporter, LambdaSpanProcessor) {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, environment: OtelEnvironment())
        return (OtelTracer(processor: processor, sampler: sampler), exporter, processor)
    }

    @Test func childOfFreeWithSpanHasTheInvocationSpanAsParent() async throws {
        let (tracer, exporter, processor) = makeTracer()
        await withTracer(tracer) {
            await tracer.withSpan("invocation", ofKind: .server) { server in
                // The free function goes through the task-local tracer.
                await Tracing.withSpan("child") { child in
                    await Task.yield()
                    child.attributes["k"] = "v"
                }
            }
        }
        try await processor.forceFlush()
        let spans = exporter.spans
        let server = try #require(spans.first { $0.name == "invocation" })
        let child = try #require(spans.first { $0.name == "child" })
        #expect(child.parentSpanID == server.context.spanID)
        #expect(child.context.traceID == server.context.traceID)
        #expect(child.attributes.get("k") == .string("v"))
        #expect(server.kind == .server)
        #expect(server.parentSpanID == nil)
        #expect(server.parentIsRemote == nil)
    }

    @Test func setAttributeAndTheAttributesPropertyAreOneStoreWhereTheLastValueWins() async throws {
        let (tracer, exporter, processor) = makeTracer()
        let span = tracer.startSpan("mixed", context: .topLevel)
        span.setAttribute("a", "fast")
        span.setAttribute("b", 1)
        span.setAttribute("a", "fast again")
        #expect(span.attributes.get("a") == .string("fast again"))
        span.attributes["b"] = 2
        span.attributes["c"] = true
        span.setAttribute("c", false)
        span.setAttribute("d", 4.5)
        span.attributes["e"] = "property"
        span.end()
        span.setAttribute("after", "end")
        try await processor.forceFlush()
        let finished = try #require(exporter.spans.first)
        #expect(finished.attributes.get("a") == .string("fast again"))
        #expect(finished.attributes.get("b") == .int64(2))
        #expect(finished.attributes.get("c") == .bool(false))
        #expect(finished.attributes.get("d") == .double(4.5))
        #expect(finished.attributes.get("e") == .string("property"))
        #expect(finished.attributes.get("after") == nil)
        #expect(finished.attributes.count == 5)
    }

    @Test func attributesSetFromManyTasksAtOnceAreAllKept() async throws {
        let (tracer, exporter, processor) = makeTracer()
        let span = tracer.startSpan("shared", context: .topLevel)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for i in 0..<50 {
                        if (task + i) % 2 == 0 {
                            span.setAttribute("t\(task).\(i)", .int64(Int64(i)))
                        } else {
                            span.attributes["t\(task).\(i)"] = i
                        }
                    }
                }
            }
        }
        span.end()
        try await processor.forceFlush()
        let finished = try #require(exporter.spans.first)
        var keys = 0
        finished.attributes.forEach { _, _ in keys += 1 }
        // The span limit keeps 128 of the 400 keys and counts the rest.
        #expect(keys == 128)
        #expect(finished.droppedAttributesCount == 400 - 128)
    }

    @Test func remoteParentSetsTheFlagsAndTheTrace() async throws {
        let (tracer, exporter, processor) = makeTracer()
        var context = InstrumentationContext.topLevel
        let parent = OtelSpanContext(
            traceID: TraceID.random(), spanID: SpanID.random(), flags: .sampled, traceState: "a=b", isRemote: true)
        context.otelSpanContext = parent
        let span = tracer.startSpan("child", context: context, ofKind: .server)
        span.end()
        try await processor.forceFlush()
        let finished = try #require(exporter.spans.first)
        #expect(finished.context.traceID == parent.traceID)
        #expect(finished.parentSpanID == parent.spanID)
        #expect(finished.parentIsRemote == true)
        #expect(finished.otlpFlags == 0x301)
        #expect(finished.context.traceState == "a=b")
    }

    @Test func unsampledParentIsHonoured() async throws {
        let (tracer, exporter, processor) = makeTracer()
        var context = InstrumentationContext.topLevel
        context.otelSpanContext = OtelSpanContext(
            traceID: TraceID.random(), spanID: SpanID.random(), flags: [], isRemote: true)
        let span = tracer.startSpan("child", context: context)
        #expect(span.isRecording == false)
        #expect(span.spanContext.isSampled == false)
        let grandchild = tracer.startSpan("grandchild", context: span.context)
        #expect(grandchild.spanContext.isSampled == false)
        grandchild.end()
        span.end()
        try await processor.forceFlush()
        #expect(exporter.spans.isEmpty)
    }

    @Test func secondEndIsIgnoredAndEndedSpansAreFrozen() async throws {
        let (tracer, exporter, processor) = makeTracer()
        let span = tracer.startSpan("once", context: .topLevel)
        span.attributes["a"] = 1
        span.end()
        span.attributes["b"] = 2
        span.operationName = "renamed"
        span.end()
        try await processor.forceFlush()
        #expect(exporter.spans.count == 1)
        #expect(exporter.spans[0].name == "once")
        #expect(exporter.spans[0].attributes.get("b") == nil)
    }

    @Test func eventsLinksStatusAndErrorsAreRecorded() async throws {
        struct Failure: Error, CustomStringConvertible { var description: String { "boom" } }
        let (tracer, exporter, processor) = makeTracer()
        let other = tracer.startSpan("other", context: .topLevel)
        let span = tracer.startSpan("main", context: .topLevel)
        span.addEvent(SpanEvent(name: "hello", attributes: ["x": 1]))
        span.addLink(SpanLink(context: other.context, attributes: ["why": "because"]))
        span.recordError(Failure())
        span.setStatus(SpanStatus(code: .error, message: "failed"))
        span.end()
        other.end()
        try await processor.forceFlush()
        let main = try #require(exporter.spans.first { $0.name == "main" })
        #expect(main.events.map(\.name) == ["hello", "exception"])
        #expect(main.events[1].attributes.get("exception.message") == .string("boom"))
        #expect(main.links.first?.context.spanID == other.spanContext.spanID)
        #expect(main.status?.code == .error)
        #expect(main.status?.message == "failed")
    }

    @Test func alwaysOffDropsAndRatioSamplesByTraceID() {
        let off = AlwaysOffSampler()
        #expect(off.shouldSample(parent: nil, traceID: .random(), name: "x", kind: .internal) == .drop)
        let half = TraceIDRatioSampler(ratio: 0.5)
        let low = TraceID(high: 0, low: 1)
        let high = TraceID(high: 0, low: UInt64.max)
        #expect(half.shouldSample(parent: nil, traceID: low, name: "x", kind: .internal) == .recordAndSample)
        #expect(half.shouldSample(parent: nil, traceID: high, name: "x", kind: .internal) == .drop)
    }

    @Test func xrayIDGeneratorPutsEpochSecondsFirst() {
        let id = XRayIDGenerator().newTraceID()
        let seconds = UInt64(id.description.prefix(8), radix: 16) ?? 0
        let now = currentTimeMs() / 1000
        #expect(seconds <= now && seconds + 86_400 > now)
    }

    @Test func spanLimitsCutAttributesAndCountDrops() async throws {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, environment: OtelEnvironment())
        let tracer = OtelTracer(
            processor: processor,
            limits: SpanLimits(attributeValueLengthLimit: 4, attributeCountLimit: 2, eventCountLimit: 1))
        let span = tracer.startSpan("limited", context: .topLevel)
        span.attributes["a"] = "0123456789"
        span.attributes["b"] = 2
        span.attributes["c"] = 3
        span.addEvent("e1")
        span.addEvent("e2")
        span.end()
        try await processor.forceFlush()
        let finished = try #require(exporter.spans.first)
        #expect(finished.attributes.count == 2)
        #expect(finished.droppedAttributesCount == 1)
        #expect(finished.attributes.get("a") == .string("0123"))
        #expect(finished.events.count == 1)
        #expect(finished.droppedEventsCount == 1)
    }
}
