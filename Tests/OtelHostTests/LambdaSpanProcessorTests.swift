import OtelHost
import OtelHostTesting
import Testing
import Tracing
import W3CTraceContext

/// A finished span made by hand, so the processor can be tested without a tracer.
func makeSpan(name: String = "span", sampled: Bool = true) -> FinishedSpan {
    FinishedSpan(
        context: OtelSpanContext(
            traceID: TraceID.random(), spanID: SpanID.random(), flags: sampled ? .sampled : []),
        name: name,
        startTimeUnixNano: 1,
        endTimeUnixNano: 2,
        resource: OtelResource(attributes: [:]))
}

struct LambdaSpanProcessorTests {
    @Test func capacityTwoKeepsTheFirstTwoAndCountsTheThird() async throws {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, maxQueueSize: 2, environment: OtelEnvironment())
        processor.onEnd(makeSpan(name: "a"))
        processor.onEnd(makeSpan(name: "b"))
        processor.onEnd(makeSpan(name: "c"))
        #expect(processor.totalDroppedSpans == 1)
        try await processor.forceFlush()
        #expect(exporter.spans.map(\.name) == ["a", "b"])
    }

    @Test func concurrentSpanEndsAreAllExported() async throws {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, environment: OtelEnvironment())
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<10 {
                group.addTask {
                    for i in 0..<10 { processor.onEnd(makeSpan(name: "t\(task)-\(i)")) }
                }
            }
        }
        try await processor.forceFlush()
        #expect(exporter.spans.count == 100)
        #expect(Set(exporter.spans.map(\.name)).count == 100)
        #expect(processor.totalDroppedSpans == 0)
        #expect(exporter.exportCount == 1)
    }

    @Test func unsampledSpansAreNeverExported() async throws {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, environment: OtelEnvironment())
        processor.onEnd(makeSpan(name: "no", sampled: false))
        processor.onEnd(makeSpan(name: "yes"))
        try await processor.forceFlush()
        #expect(exporter.spans.map(\.name) == ["yes"])
    }

    @Test func spansAfterShutdownAreRejected() async throws {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, environment: OtelEnvironment())
        processor.onEnd(makeSpan(name: "before"))
        try await processor.shutdown()
        processor.onEnd(makeSpan(name: "after"))
        try await processor.forceFlush()
        #expect(exporter.spans.map(\.name) == ["before"])
        #expect(exporter.shutdownCount == 1)
        // A second shutdown neither exports nor shuts the exporter down again.
        try await processor.shutdown()
        #expect(exporter.shutdownCount == 1)
    }

    @Test func flushingAnEmptyBufferStillCallsExportOnce() async throws {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, environment: OtelEnvironment())
        try await processor.forceFlush()
        #expect(exporter.exportCount == 1)
        #expect(exporter.batches.first?.isEmpty == true)
    }

    @Test func flushDrainsInOrderAndTheBufferIsReusable() async throws {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, maxQueueSize: 3, environment: OtelEnvironment())
        for round in 0..<4 {
            for i in 0..<3 { processor.onEnd(makeSpan(name: "\(round)-\(i)")) }
            try await processor.forceFlush()
        }
        #expect(exporter.batches.map { $0.map(\.name) } == (0..<4).map { r in (0..<3).map { "\(r)-\($0)" } })
        #expect(processor.totalDroppedSpans == 0)
    }

    @Test(arguments: [
        // (environment value, code value, expected capacity)
        (nil, nil, 2048),
        (nil, 500, 500),
        ("1000", 500, 1000),
        ("1000", nil, 1000),
        ("0", 500, 500),
        ("-3", 500, 500),
        ("garbage", 500, 500),
        ("garbage", nil, 2048),
        (" 64 ", nil, 64),
        (nil, 0, 2048),
    ] as [(String?, Int?, Int)])
    func queueSizePrecedence(environment: String?, code: Int?, expected: Int) {
        var env = OtelEnvironment()
        if let environment { env.values[LambdaSpanProcessor.queueSizeVariable] = environment }
        let processor = LambdaSpanProcessor(exporter: NoOpSpanExporter(), maxQueueSize: code, environment: env)
        #expect(processor.capacity == expected)
    }

    @Test func dropsAreCountedAndRecoveryContinues() async throws {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, maxQueueSize: 1, environment: OtelEnvironment())
        for i in 0..<250 { processor.onEnd(makeSpan(name: "\(i)")) }
        #expect(processor.totalDroppedSpans == 249)
        try await processor.forceFlush()
        processor.onEnd(makeSpan(name: "after"))
        try await processor.forceFlush()
        #expect(exporter.spans.map(\.name) == ["0", "after"])
    }
}
