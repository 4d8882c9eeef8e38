import Instrumentation
import NIOConcurrencyHelpers
import OtelHost
import OtelHostTesting
import Testing
import Tracing

/// A processing mode that counts completions, registered by a plugin as users would.
struct CountingMode: ProcessingMode {
    let counter = NIOLockedValueBox(0)

    func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion {
        Completion(counter: counter)
    }

    struct Completion: InvocationCompletion {
        let counter: NIOLockedValueBox<Int>
        func invocationDidEnd(_ invocation: InvocationContext) async { counter.withLockedValue { $0 += 1 } }
        func shutdown() async {}
    }
}

struct ConfigurationTests {
    func telemetry(
        env: [String: String], code: ProcessingModeName? = nil, plugins: [any OtelPlugin] = []
    ) async -> LambdaTelemetry {
        let modePlugin = ClosurePlugin { $0.registerProcessingMode(named: ProcessingModeName("counting"), CountingMode()) }
        return await LambdaTelemetry.make(
            configuration: OtelConfiguration(processingMode: code),
            plugins: plugins + [modePlugin, InMemoryExporterPlugin()],
            environment: OtelEnvironment(env))
    }

    @Test(arguments: [
        // (environment, code, expected)
        (nil, nil, "sync"),
        (nil, "counting", "counting"),
        ("counting", nil, "counting"),
        (" COUNTING ", "sync", "counting"),
        ("sync", "counting", "sync"),
        ("bogus", "counting", "counting"),
        ("bogus", nil, "sync"),
        (nil, "bogus", "sync"),
        ("", "counting", "counting"),
    ] as [(String?, String?, String)])
    func modePrecedence(environment: String?, code: String?, expected: String) async {
        var env: [String: String] = [:]
        if let environment { env[ProcessingModeName.variable] = environment }
        let t = await telemetry(env: env, code: code.map(ProcessingModeName.init))
        #expect(t.processingMode == ProcessingModeName(expected))
    }

    @Test func syncModeFlushesOnCompletion() async throws {
        let exporter = InMemorySpanExporter()
        let t = await LambdaTelemetry.make(
            plugins: [InMemoryExporterPlugin(exporter: exporter)], environment: OtelEnvironment())
        t.tracer.startSpan("work", context: .topLevel).end()
        #expect(exporter.exportCount == 0)
        // The invocation ends: sync mode exports what is queued (the span above and the invocation span).
        _ = try await t.traceInvocation(.fake(), extracted: ExtractedSpan()) { _ in 1 }
        #expect(exporter.spans.map(\.name) == ["work", "lambda-invocation"])
    }

    @Test func queueSizeFromConfigurationAndEnvironment() async {
        let exporter = InMemorySpanExporter()
        let t = await LambdaTelemetry.make(
            configuration: OtelConfiguration(queueSize: 1),
            plugins: [InMemoryExporterPlugin(exporter: exporter)], environment: OtelEnvironment())
        let processor = try? #require(t.tracer.processor as? LambdaSpanProcessor)
        #expect(processor?.capacity == 1)

        let t2 = await LambdaTelemetry.make(
            configuration: OtelConfiguration(queueSize: 1),
            plugins: [InMemoryExporterPlugin(exporter: exporter)],
            environment: OtelEnvironment(["LAMBDA_SPAN_PROCESSOR_QUEUE_SIZE": "7"]))
        #expect((t2.tracer.processor as? LambdaSpanProcessor)?.capacity == 7)
    }

    @Test func userExporterRegisteredFirstIsSelected() async throws {
        let first = InMemorySpanExporter()
        let second = InMemorySpanExporter()
        let plugin = ClosurePlugin { $0.registerExporter(named: "second") { _ in second } }
        let t = await LambdaTelemetry.make(
            plugins: [InMemoryExporterPlugin(exporter: first), plugin], environment: OtelEnvironment())
        t.tracer.startSpan("a", context: .topLevel).end()
        await t.tracer.flush()
        #expect(first.spans.count == 1)
        #expect(second.exportCount == 0)

        let t2 = await LambdaTelemetry.make(
            plugins: [InMemoryExporterPlugin(exporter: first), plugin],
            environment: OtelEnvironment(["OTEL_TRACES_EXPORTER": "second"]))
        t2.tracer.startSpan("b", context: .topLevel).end()
        await t2.tracer.flush()
        #expect(second.spans.map(\.name) == ["b"])
    }

    @Test func samplerFromEnvironment() async throws {
        let exporter = InMemorySpanExporter()
        let t = await LambdaTelemetry.make(
            plugins: [InMemoryExporterPlugin(exporter: exporter)],
            environment: OtelEnvironment(["OTEL_TRACES_SAMPLER": "always_off"]))
        let span = t.tracer.startSpan("dropped", context: .topLevel)
        #expect(span.isRecording == false)

        let t2 = await LambdaTelemetry.make(
            plugins: [InMemoryExporterPlugin(exporter: exporter)],
            environment: OtelEnvironment(["OTEL_TRACES_SAMPLER": "nonsense"]))
        #expect(t2.tracer.startSpan("kept", context: .topLevel).isRecording)
    }

    @Test func injectWritesTheConfiguredHeaders() async {
        struct DictionaryInjector: Injector {
            func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
                carrier[key] = value
            }
        }
        let t = await LambdaTelemetry.make(
            plugins: [InMemoryExporterPlugin()],
            environment: OtelEnvironment(["OTEL_PROPAGATORS": "tracecontext,xray"]))
        let span = t.tracer.startSpan("client", context: .topLevel, ofKind: .client)
        var headers: [String: String] = [:]
        t.tracer.inject(span.context, into: &headers, using: DictionaryInjector())
        #expect(headers["traceparent"] == "00-\(span.spanContext.traceID)-\(span.spanContext.spanID)-01")
        #expect(headers["X-Amzn-Trace-Id"]?.contains("Parent=\(span.spanContext.spanID)") == true)

        let none = await LambdaTelemetry.make(
            plugins: [InMemoryExporterPlugin()], environment: OtelEnvironment(["OTEL_PROPAGATORS": "none"]))
        var empty: [String: String] = [:]
        none.tracer.inject(span.context, into: &empty, using: DictionaryInjector())
        #expect(empty.isEmpty)
    }
}

struct InvocationContextTests {
    @Test(arguments: [
        ("arn:aws:lambda:us-east-1:123456789012:function:orders", "123456789012"),
        // swift-aws-lambda-runtime's own local server sends this ARN: no account id rather than a wrong one.
        ("arn:aws:lambda:us-east-1:-12976:function:custom-runtime", nil),
        ("arn:aws:lambda:us-east-1:12345678901a:function:x", nil),
        ("arn:aws:lambda:us-east-1::function:x", nil),
        ("function-arn", nil),
    ] as [(String, String?)])
    func accountIDIsTwelveDigits(arn: String, expected: String?) {
        #expect(InvocationContext(requestID: "r", deadline: .now, invokedFunctionARN: arn).accountID == expected)
    }
}
