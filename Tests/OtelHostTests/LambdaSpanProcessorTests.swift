import Logging
import NIOConcurrencyHelpers
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

/// A span of one trace; `invocation` marks it as the host marks an invocation span.
func makeSpan(_ name: String, trace: TraceID, invocation: Bool = false) -> FinishedSpan {
    var span = FinishedSpan(
        context: OtelSpanContext(traceID: trace, spanID: SpanID.random(), flags: .sampled),
        name: name,
        startTimeUnixNano: 1,
        endTimeUnixNano: 2,
        resource: OtelResource(attributes: [:]))
    span.isInvocationSpan = invocation
    return span
}


func droppedCount(_ span: FinishedSpan?) -> Int64? {
    guard case .int64(let n)? = span?.attributes.get(LambdaSpanProcessor.droppedSpansAttribute) else { return nil }
    return n
}

struct InvocationSpanIsKeptTests {
    @Test func theInvocationSpanTakesTheSlotOfTheNewestChildAndCarriesTheCount() async throws {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, maxQueueSize: 2, environment: OtelEnvironment())
        let trace = TraceID.random()
        processor.onEnd(makeSpan("a", trace: trace))
        processor.onEnd(makeSpan("b", trace: trace))
        processor.onEnd(makeSpan("c", trace: trace))
        processor.onEnd(makeSpan("invocation", trace: trace, invocation: true))
        #expect(processor.queuedSpanCount == 2)
        #expect(processor.totalDroppedSpans == 2)
        try await processor.forceFlush()
        #expect(exporter.spans.map(\.name) == ["a", "invocation"])
        #expect(droppedCount(exporter.spans.last) == 2)
        #expect(droppedCount(exporter.spans.first) == nil)
    }

    @Test func aChildDroppedAfterItsInvocationSpanIsQueuedIsCountedOnIt() async throws {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, maxQueueSize: 1, environment: OtelEnvironment())
        let trace = TraceID.random()
        processor.onEnd(makeSpan("invocation", trace: trace, invocation: true))
        processor.onEnd(makeSpan("late-child", trace: trace))
        processor.onEnd(makeSpan("later-child", trace: trace))
        try await processor.forceFlush()
        #expect(exporter.spans.map(\.name) == ["invocation"])
        #expect(droppedCount(exporter.spans.first) == 2)
    }

    @Test func onlyABufferOfInvocationSpansDropsAnInvocationSpan() async throws {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, maxQueueSize: 2, environment: OtelEnvironment())
        for i in 0..<3 { processor.onEnd(makeSpan("invocation-\(i)", trace: .random(), invocation: true)) }
        #expect(processor.totalDroppedSpans == 1)
        try await processor.forceFlush()
        #expect(exporter.spans.map(\.name) == ["invocation-0", "invocation-1"])
    }

    @Test func oneWarningPerOverflowingFlushLoggedByThatFlush() async throws {
        // Capacity 5 appears in no other test, so the captured warnings are this test's.
        let warnings = WarningCapture(containing: "span buffer full (capacity 5)")
        try await warnings.capture {
            let exporter = InMemorySpanExporter()
            let processor = LambdaSpanProcessor(exporter: exporter, maxQueueSize: 5, environment: OtelEnvironment())
            for round in 1...3 {
                let trace = TraceID.random()
                for i in 0..<300 { processor.onEnd(makeSpan("child-\(i)", trace: trace)) }
                processor.onEnd(makeSpan("invocation", trace: trace, invocation: true))
                #expect(warnings.lines.count == round - 1, "no warning before the flush")
                try await processor.forceFlush()
                #expect(warnings.lines.count == round, "one warning, from this flush")
                #expect(warnings.lines.last?.contains("dropped_spans=296") == true)
            }
            // A flush without drops logs nothing.
            processor.onEnd(makeSpan("quiet", trace: .random()))
            try await processor.forceFlush()
            #expect(warnings.lines.count == 3)
            #expect(exporter.batches.filter { !$0.isEmpty }.allSatisfy { droppedCount($0.last) == 296 || $0.count == 1 })
        }
    }
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
