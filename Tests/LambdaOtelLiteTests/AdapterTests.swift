import AWSLambdaEvents
import AWSLambdaRuntime
import FoundationEssentials
import HelloLambdaHandler
import HTTPTypes
import LambdaOtelLite
import Logging
import NIOConcurrencyHelpers
import NIOCore
import OtelHostTesting
import Testing
import Tracing
@testable import OtelHost

/// A response writer that keeps what the handler writes, as the runtime's would send it.
final class CollectingWriter: LambdaResponseStreamWriter, Sendable {
    let parts = NIOLockedValueBox<[String]>([])
    let finished = NIOLockedValueBox(false)

    func write(_ buffer: ByteBuffer, hasCustomHeaders: Bool) async throws {
        parts.withLockedValue { $0.append(String(buffer: buffer)) }
    }

    func finish() async throws {
        finished.withLockedValue { $0 = true }
    }

    func writeAndFinish(_ buffer: ByteBuffer) async throws {
        try await write(buffer, hasCustomHeaders: false)
        try await finish()
    }
}

/// The adapter, called as the runtime calls it: the event bytes, a response writer and a `LambdaContext`.
struct AdapterTests {
    func telemetry(_ exporter: InMemorySpanExporter, plugins: [any OtelPlugin] = []) async -> LambdaTelemetry {
        await LambdaTelemetry.make(
            configuration: OtelConfiguration(exporter: "memory"),
            plugins: plugins + [InMemoryExporterPlugin(exporter: exporter)] + .defaults,
            environment: OtelEnvironment(["AWS_LAMBDA_FUNCTION_NAME": "adapter"]))
    }

    func context(tenant: String? = nil) -> LambdaContext {
        LambdaContext(
            requestID: "req-\(UInt32.random(in: 0...UInt32.max))",
            traceID: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            tenantID: tenant,
            invokedFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:adapter",
            deadline: LambdaClock.Instant(millisecondsSinceEpoch: Int64(currentTimeMs()) + 30_000),
            logger: Logger(label: "test"))
    }

    /// Checks that every span but the invocation span descends from it, in its trace.
    func expectNested(_ spans: [FinishedSpan], children: [String]) throws {
        let invocation = try #require(spans.first { $0.attributes.get("faas.invocation_id") != nil })
        for name in children {
            let child = try #require(spans.first { $0.name == name }, "no span \(name)")
            #expect(child.context.traceID == invocation.context.traceID)
            #expect(child.parentSpanID == invocation.context.spanID, "\(name) is not a child of the invocation span")
        }
    }

    @Test func codableClosureHandlerNestsWithSpanUnderTheInvocationSpan() async throws {
        let exporter = InMemorySpanExporter()
        let telemetry = await telemetry(exporter)
        let adapter = LambdaCodableAdapter(
            encoder: JSONEncoder(), decoder: JSONDecoder(),
            handler: LambdaHandlerAdapter(handler: ClosureHandler { (event: APIGatewayV2Request, _: LambdaContext) in
                withSpan("work") { $0.attributes["path"] = event.rawPath }
                return APIGatewayV2Response(statusCode: .created, body: "made")
            }))
        var handler = TracedHandler(adapter, telemetry: telemetry)
        let writer = CollectingWriter()
        let event = SampleEvents.apiGatewayV2
        try await handler.handle(ByteBuffer(string: event), responseWriter: writer, context: context(tenant: "tenant-7"))
        #expect(writer.finished.withLockedValue { $0 })
        let spans = exporter.spans
        #expect(spans.count == 2)
        try expectNested(spans, children: ["work"])
        let invocation = try #require(spans.first { $0.kind == .server })
        #expect(invocation.name == "GET /orders/{orderId}")
        #expect(invocation.attributes.get("http.response.status_code") == .int64(201))
        #expect(invocation.attributes.get("aws.lambda.tenant_id") == .string("tenant-7"))
        #expect(invocation.attributes.get("cloud.account.id") == .string("123456789012"))
    }

    @Test func streamingHandlerEndsTheSpanWhenTheStreamFinishes() async throws {
        let exporter = InMemorySpanExporter()
        let telemetry = await telemetry(exporter)
        let streaming = StreamingClosureHandler { _, writer, _ in
            try await withSpan("first chunk") { _ in
                try await writer.write(ByteBuffer(string: #"{"statusCode":503,"headers":{}}"#), hasCustomHeaders: true)
            }
            try await writer.write(ByteBuffer(string: "chunk"), hasCustomHeaders: false)
            try await writer.finish()
            // Work after the response: its span is still exported, in the same trace.
            withSpan("after the response") { _ in }
        }
        var handler = TracedHandler(streaming, telemetry: telemetry)
        try await handler.handle(ByteBuffer(string: "{}"), responseWriter: CollectingWriter(), context: context())
        let spans = exporter.spans
        try expectNested(spans, children: ["first chunk", "after the response"])
        let invocation = try #require(spans.first { $0.kind == .server })
        let late = try #require(spans.first { $0.name == "after the response" })
        #expect(invocation.attributes.get("http.response.status_code") == .int64(503))
        #expect(invocation.status?.code == .error)
        #expect(invocation.endTimeUnixNano <= late.startTimeUnixNano)
        // Sync mode: one export before the response, one for the span that ended after it.
        #expect(exporter.exportCount == 2)
    }

    @Test func backgroundProcessingSpansAreExported() async throws {
        struct Background: LambdaWithBackgroundProcessingHandler {
            typealias Event = APIGatewayV2Request
            typealias Output = APIGatewayV2Response

            func handle(
                _ event: APIGatewayV2Request, outputWriter: some LambdaResponseWriter<APIGatewayV2Response>,
                context: LambdaContext
            ) async throws {
                try await outputWriter.write(APIGatewayV2Response(statusCode: .ok))
                try await withSpan("background work") { _ in try await Task.sleep(for: .milliseconds(1)) }
            }
        }
        let exporter = InMemorySpanExporter()
        let telemetry = await telemetry(exporter)
        var handler = TracedHandler(
            LambdaCodableAdapter(encoder: JSONEncoder(), decoder: JSONDecoder(), handler: Background()),
            telemetry: telemetry)
        try await handler.handle(
            ByteBuffer(string: SampleEvents.apiGatewayV2), responseWriter: CollectingWriter(), context: context())
        try expectNested(exporter.spans, children: ["background work"])
    }

    @Test func aThrownErrorMarksTheSpanAndIsRethrown() async throws {
        struct Broken: Error {}
        let exporter = InMemorySpanExporter()
        let telemetry = await telemetry(exporter)
        var handler = TracedHandler(StreamingClosureHandler { _, _, _ in throw Broken() }, telemetry: telemetry)
        await #expect(throws: Broken.self) {
            try await handler.handle(ByteBuffer(string: "{}"), responseWriter: CollectingWriter(), context: self.context())
        }
        let invocation = try #require(exporter.spans.first)
        #expect(invocation.status?.code == .error)
        #expect(invocation.events.contains { $0.name == "exception" })
    }

    @Test func partialBatchResponseIsCountedAndFailsOnlyWhenEveryRecordFailed() async throws {
        let exporter = InMemorySpanExporter()
        let telemetry = await telemetry(exporter)
        func run(_ response: String, records: Int) async throws -> FinishedSpan? {
            exporter.reset()
            var extracted = ExtractedSpan(trigger: .pubsub)
            extracted.attributes["messaging.batch.message_count"] = records
            _ = try await telemetry.traceInvocation(.fake(), extracted: extracted) { scope in
                scope.recordResponse(Array(response.utf8))
                return 0
            }
            return exporter.spans.first
        }
        let some = try await run(#"{"batchItemFailures":[{"itemIdentifier":"a"}]}"#, records: 3)
        #expect(some?.attributes.get("aws.lambda.batch_item_failures") == .int64(1))
        #expect(some?.status?.code != .error)
        let all = try await run(#"{"batchItemFailures":[{"itemIdentifier":"a"},{"itemIdentifier":"b"}]}"#, records: 2)
        #expect(all?.status?.code == .error)
    }

    @Test func aUserRegisteredSyncModeIsTheOneThatRuns() async throws {
        final class Calls: Sendable { let count = NIOLockedValueBox(0) }
        struct CountingMode: ProcessingMode, InvocationCompletion {
            let calls: Calls
            func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion { self }
            func invocationDidEnd(_ invocation: InvocationContext) async { calls.count.withLockedValue { $0 += 1 } }
            func shutdown() async {}
        }
        let calls = Calls()
        let exporter = InMemorySpanExporter()
        let telemetry = await telemetry(
            exporter, plugins: [ClosurePlugin { $0.registerProcessingMode(named: .sync, CountingMode(calls: calls)) }])
        #expect(telemetry.processingMode == .sync)
        _ = try await telemetry.traceInvocation(.fake(), extracted: ExtractedSpan()) { _ in 1 }
        #expect(calls.count.withLockedValue { $0 } == 1)
        // The built-in sync mode would have exported; the user's mode did not.
        #expect(exporter.exportCount == 0)
    }

    @Test func aCancelledTelemetryServiceReturnsPromptly() async throws {
        let server = try await LocalLambdaServer.start(port: 0, functionName: "cancel")
        let exporter = InMemorySpanExporter()
        let telemetry = await LambdaTelemetry.make(
            plugins: [InMemoryExporterPlugin(exporter: exporter)],
            environment: OtelEnvironment([
                "AWS_LAMBDA_RUNTIME_API": server.runtimeAPI, ProcessingModeName.variable: "async",
            ]))
        #expect(telemetry.processingMode == .async)
        #expect(telemetry.settings.extensionRegistered)
        let service = Task { try await telemetry.run() }
        // The extension loop is waiting in event/next, a long poll.
        let waiting = await eventually { server.extensionNextCount >= 1 }
        #expect(waiting)
        let start = ContinuousClock.now
        service.cancel()
        _ = await service.result
        let elapsed = ContinuousClock.now - start
        // Well under a millisecond on its own; the bound leaves room for a loaded machine (the thread sanitizer,
        // tests in parallel) while still telling a prompt stop from a long poll that outlives its task.
        #expect(elapsed < .seconds(5), "the service took \(elapsed) to stop")
        await server.shutdown()
    }

    @Test func completionSignalsMatchByIDAndHoldNothingOnceMatched() async {
        let signals = CompletionSignals(earlyLimit: 8)
        // 150 completions before their INVOKE events: the oldest beyond the limit are forgotten, never a stall.
        for i in 0..<150 { signals.signal("r\(i)") }
        #expect(signals.earlyCount == 8)
        for i in 142..<150 { #expect(await signals.wait(for: "r\(i)", atMost: .seconds(5))) }
        #expect(signals.earlyCount == 0)
        // A forgotten one is left to the watchdog.
        #expect(await signals.wait(for: "r0", atMost: .milliseconds(20)) == false)
        // A signal that comes while the extension waits releases that waiter only.
        async let waited = signals.wait(for: "late", atMost: .seconds(5))
        try? await Task.sleep(for: .milliseconds(20))
        signals.signal("other")
        signals.signal("late")
        #expect(await waited)
        #expect(signals.earlyCount == 1)
        // A cancelled wait ends at once, however long its limit, and a later signal for it is only remembered.
        let hour = Task { await signals.wait(for: "cancelled", atMost: .seconds(3600)) }
        try? await Task.sleep(for: .milliseconds(20))
        let start = ContinuousClock.now
        hour.cancel()
        #expect(await hour.value == false)
        #expect(ContinuousClock.now - start < .seconds(30))
        signals.signal("cancelled")
        #expect(signals.earlyCount == 2)
    }
}
