// Benchmarks mirroring the Python reference bench (shared/peer, `--describe-workload`): the same 10
// attributes, the same batch shapes (1, 100, 1000 spans), gzip level 6, the API Gateway v2 sample event.

import Benchmark
import CoreMetrics
import CZlibFloor
import AWSLambdaRuntime
import LambdaOtelLite
import Logging
import NIOCore
import OtelEMFMetrics
import OtelHostTesting
import OtelLogEvents

#if canImport(Glibc)
import Glibc
#endif

let lambdaEnvironment: [String: String] = [
    "AWS_LAMBDA_FUNCTION_NAME": "peer-swift-fn",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
    "AWS_LAMBDA_LOG_STREAM_NAME": "2025/01/14/[$LATEST]0123456789abcdef0123456789abcdef",
    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/peer-swift-fn",
    "AWS_REGION": "us-east-1",
    "LAMBDA_SPAN_PROCESSOR_QUEUE_SIZE": "100000",
]

/// Sets the 10 attributes of the peer's ATTRS10, in its order, with `setAttribute`, the span's fast path.
@inline(__always)
func setAttrs10Fast(_ span: OtelSpan) {
    span.setAttribute("http.request.method", "GET")
    span.setAttribute("url.path", "/orders/42")
    span.setAttribute("http.route", "/orders/{orderId}")
    span.setAttribute("http.response.status_code", 200)
    span.setAttribute("server.address", "api.example.com")
    span.setAttribute("client.address", "203.0.113.17")
    span.setAttribute("user_agent.original", "curl/8.5.0")
    span.setAttribute("app.cache.hit", false)
    span.setAttribute("app.items", 3)
    span.setAttribute("app.total", 19.99)
}

/// Sets the 10 attributes of the peer's ATTRS10, in its order, one `span.attributes[...]` call each.
@inline(__always)
func setAttrs10(_ span: OtelSpan) {
    span.attributes["http.request.method"] = "GET"
    span.attributes["url.path"] = "/orders/42"
    span.attributes["http.route"] = "/orders/{orderId}"
    span.attributes["http.response.status_code"] = 200
    span.attributes["server.address"] = "api.example.com"
    span.attributes["client.address"] = "203.0.113.17"
    span.attributes["user_agent.original"] = "curl/8.5.0"
    span.attributes["app.cache.hit"] = false
    span.attributes["app.items"] = 3
    span.attributes["app.total"] = 19.99
}

func randomUUID() -> String {
    var g = SystemRandomNumberGenerator()
    let hex = Array("0123456789abcdef")
    var out = ""
    for i in 0..<16 {
        if i == 4 || i == 6 || i == 8 || i == 10 { out.append("-") }
        let b = UInt8.random(in: 0...255, using: &g)
        out.append(hex[Int(b >> 4)])
        out.append(hex[Int(b & 0xF)])
    }
    return out
}

/// The peer's make_spans(B): B-1 children with 5 varied values each, then the root; one trace.
func makeSpans(_ count: Int, resource: OtelResource) -> [FinishedSpan] {
    final class Collector: SpanProcessor, @unchecked Sendable {
        var spans: [FinishedSpan] = []
        func onEnd(_ span: FinishedSpan) { spans.append(span) }
        func forceFlush() async throws {}
        func shutdown() async throws {}
    }
    let collector = Collector()
    let tracer = OtelTracer(processor: collector, resource: resource)
    let root = tracer.startSpan("GET /orders/{orderId}", context: .topLevel, ofKind: .server)
    setAttrs10(root)
    for i in 0..<max(0, count - 1) {
        let child = tracer.startSpan("child-\(i % 10)", context: root.context, ofKind: .internal)
        child.attributes["http.request.method"] = "GET"
        child.attributes.set("url.path", value: .string("/orders/\(1000 + i)"))
        child.attributes["http.route"] = "/orders/{orderId}"
        child.attributes["http.response.status_code"] = 200
        child.attributes["server.address"] = "api.example.com"
        child.attributes.set("client.address", value: .string("203.0.113.\(i % 250)"))
        child.attributes.set("user_agent.original", value: .string(randomUUID()))
        child.attributes["app.cache.hit"] = false
        child.attributes.set("app.items", value: .int64(Int64(i)))
        child.attributes.set("app.total", value: .double((Double(i) * 0.37 * 100).rounded() / 100))
        child.end()
    }
    root.end()
    return collector.spans
}

let devNullFD = open("/dev/null", O_WRONLY)
/// `lambdaEnvironment` with the default span queue, as a deployed function starts.
let defaultQueueEnvironment = lambdaEnvironment.filter { $0.key != "LAMBDA_SPAN_PROCESSOR_QUEUE_SIZE" }
let environment = OtelEnvironment(lambdaEnvironment)
/// The resource a function with `lambdaEnvironment` reports (what the Lambda resource detector builds from it).
let resource = OtelResource(attributes: [
    "service.name": "peer-swift-fn",
    "cloud.provider": "aws",
    "cloud.platform": "aws_lambda",
    "cloud.region": "us-east-1",
    "faas.name": "peer-swift-fn",
    "faas.version": "$LATEST",
    "faas.instance": "2025/01/14/[$LATEST]0123456789abcdef0123456789abcdef",
    "faas.max_memory": .int64(134_217_728),
    "aws.log.group.names": .stringArray(["/aws/lambda/peer-swift-fn"]),
    "telemetry.sdk.language": "swift",
    "telemetry.sdk.name": "lambda-otel-lite",
])

/// An exporter that drops what it is given.
struct DiscardingExporter: SpanExporter {
    func export(_ spans: [FinishedSpan]) async throws {}
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        warmupIterations: 10,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    // (a) span start + 10 attributes + end, into the Lambda span processor; measured per span. With the span's
    // fast setter, then through swift-distributed-tracing's `span.attributes[...]`.
    let setters: [(String, @Sendable (OtelSpan) -> Void)] = [("setAttribute", setAttrs10Fast), ("attributes[...]", setAttrs10)]
    for (name, setAttributes) in setters {
        Benchmark("span: start + 10 attributes (\(name)) + end", configuration: .init(scalingFactor: .kilo)) { benchmark in
            let processor = LambdaSpanProcessor(exporter: DiscardingExporter(), environment: environment)
            let tracer = OtelTracer(processor: processor, resource: resource)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let span = tracer.startSpan("op", context: .topLevel)
                setAttributes(span)
                span.end()
            }
            benchmark.stopMeasurement()
            try? await processor.forceFlush()
        }
    }

    // 1 M spans through a 2048-span queue, flushed every 2048 spans: resident memory stays bounded.
    Benchmark("span: 1M spans through a 2048 queue", configuration: .init(metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal], maxIterations: 3)) { benchmark in
        let processor = LambdaSpanProcessor(exporter: DiscardingExporter(), maxQueueSize: 2048, environment: OtelEnvironment())
        let tracer = OtelTracer(processor: processor, resource: resource)
        for i in 0..<1_000_000 {
            let span = tracer.startSpan("op", context: .topLevel)
            setAttrs10Fast(span)
            span.end()
            if i % 2048 == 2047 { try? await processor.forceFlush() }
        }
    }

    // (b) export of 1, 100 and 1000 spans: encode, gzip 6, base64, the line written to /dev/null.
    for count in [1, 100, 1000] {
        let batch = makeSpans(count, resource: resource)
        let exporter = OtlpStdoutSpanExporter(
            compressionLevel: 6, output: FileDescriptorLineOutput(descriptor: devNullFD),
            environment: OtelEnvironment(lambdaEnvironment))
        // Short operations run many times per sample, so the per-sample cost of measuring stays out of the figure.
        Benchmark("export: \(count) spans (encode + gzip 6 + base64 + write)", configuration: .init(scalingFactor: count == 1 ? .kilo : .one)) { benchmark in
            for _ in benchmark.scaledIterations {
                try exporter.exportNow(batch)
            }
        }
        if count == 1000 {
            let encoder = OtlpProtobuf.Encoder()
            Benchmark("export: 1000 spans, protobuf encode only") { benchmark in
                for _ in benchmark.scaledIterations {
                    OtlpProtobuf.encode(batch, reusing: encoder) { blackHole($0.count) }
                }
            }
            // The floor: zlib alone on the same protobuf bytes at the same level and window, with one deflate
            // stream reset before each call, as the exporter keeps its own.
            let payload = OtlpProtobuf.encode(batch)
            var output = [UInt8](repeating: 0, count: payload.count + 1024)
            Benchmark("floor: zlib gzip level 6 alone, reused stream, 1000-span payload") { benchmark in
                var stream = z_stream()
                for _ in benchmark.scaledIterations {
                    let n = payload.withUnsafeBufferPointer { input in
                        output.withUnsafeMutableBufferPointer { out in
                            zlib_floor_gzip_reused(&stream, input.baseAddress, UInt(input.count), out.baseAddress, UInt(out.count), 6)
                        }
                    }
                    blackHole(n)
                }
                deflateEnd(&stream)
            }
            // Python's gzip.compress: init + deflate + end on each call.
            Benchmark("floor: zlib gzip level 6 alone, new stream per call, 1000-span payload") { benchmark in
                for _ in benchmark.scaledIterations {
                    let n = payload.withUnsafeBufferPointer { input in
                        output.withUnsafeMutableBufferPointer { out in
                            zlib_floor_gzip(input.baseAddress, UInt(input.count), out.baseAddress, UInt(out.count), 6)
                        }
                    }
                    blackHole(n)
                }
            }
        }
    }

    // (c) invocation overhead on the API Gateway v2 sample event: the bare handler vs the same handler traced by
    // `TracedHandler`, called as the runtime calls it, with the sync-mode one-span flush and without it.
    let event = Array(apiGatewayV2Event.utf8)
    let eventBuffer = ByteBuffer(bytes: event)
    let response = ByteBuffer(string: #"{"statusCode":200,"body":"ok"}"#)
    let writer = DiscardingWriter()

    Benchmark("handler: bare", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let handler = AnswerHandler(response: response)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try await handler.handle(eventBuffer, responseWriter: writer, context: benchContext())
        }
    }

    Benchmark("handler: traced, sync mode (with the 1-span flush)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let telemetry = await LambdaTelemetry.make(
            configuration: OtelConfiguration(exporter: "devnull"), plugins: [StdoutExporterPlugin.devNull] + .defaults,
            environment: OtelEnvironment(lambdaEnvironment))
        var handler = TracedHandler(AnswerHandler(response: response), telemetry: telemetry, name: "bench")
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try await handler.handle(eventBuffer, responseWriter: writer, context: benchContext())
        }
        benchmark.stopMeasurement()
    }

    Benchmark("handler: traced, span only (no flush)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let processor = LambdaSpanProcessor(exporter: DiscardingExporter(), environment: OtelEnvironment(lambdaEnvironment))
        let noFlush = ClosurePlugin { $0.registerProcessingMode(named: ProcessingModeName("bench-none"), NoFlushMode()) }
        let telemetry = await LambdaTelemetry.make(
            configuration: OtelConfiguration(spanProcessors: [processor], processingMode: ProcessingModeName("bench-none")),
            plugins: [noFlush] + .defaults, environment: OtelEnvironment(lambdaEnvironment))
        var handler = TracedHandler(AnswerHandler(response: response), telemetry: telemetry, name: "bench")
        var n = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try await handler.handle(eventBuffer, responseWriter: writer, context: benchContext())
            n += 1
            if n % 50_000 == 0 {
                benchmark.stopMeasurement()
                try? await processor.forceFlush()
                benchmark.startMeasurement()
            }
        }
        benchmark.stopMeasurement()
    }

    Benchmark("handler: detection + extraction of the v2 event", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let telemetry = await LambdaTelemetry.make(plugins: .defaults, environment: OtelEnvironment(lambdaEnvironment))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(telemetry.extract(rawEvent: event))
        }
        benchmark.stopMeasurement()
    }

    // Detection + extraction of SQS batches beside the API Gateway v2 event: one parse, the SQS plugin's
    // attributes and one link per record (deduplicated, cut at the span-link limit).
    for records in [10, 1000] {
        let batch = Array(sqsBatchEvent(records: records).utf8)
        Benchmark("handler: detection + extraction of a \(records)-record SQS batch", configuration: .init(scalingFactor: records == 10 ? .kilo : .one)) { benchmark in
            let telemetry = await LambdaTelemetry.make(plugins: .defaults, environment: OtelEnvironment(lambdaEnvironment))
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(telemetry.extract(rawEvent: batch))
            }
            benchmark.stopMeasurement()
        }
    }

    // (d) initialisation: the whole bootstrap with the default plugins, in process.
    Benchmark("init: LambdaTelemetry.make with the default plugins", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(await LambdaTelemetry.make(plugins: .defaults, environment: OtelEnvironment(defaultQueueEnvironment)))
        }
    }

    // (e) metrics and logs. One update of a swift-metrics counter and timer with the EMF backend, against the same
    // call on swift-metrics' no-op backend; what was recorded is written to /dev/null between samples (a series
    // keeps 1,000 values between flushes). One swift-log record inside a span with the span-event handler,
    // against the same record through swift-log's no-op handler.
    let emf = EMFMetrics(output: FileDescriptorLineOutput(descriptor: devNullFD))
    /// Telemetry whose flushes write the EMF lines (its spans go nowhere).
    @Sendable func emfTelemetry(_ plugins: [any OtelPlugin]) async -> LambdaTelemetry {
        await LambdaTelemetry.make(
            configuration: OtelConfiguration(spanProcessors: [LambdaSpanProcessor(exporter: DiscardingExporter(), environment: OtelEnvironment())]),
            plugins: plugins, environment: OtelEnvironment(lambdaEnvironment))
    }
    let emfCounter = Counter(label: "bench.requests", dimensions: [("outcome", "ok")], factory: emf.factory)
    let noopCounter = Counter(label: "bench.requests", dimensions: [("outcome", "ok")], factory: NOOPMetricsHandler.instance)
    let emfTimer = CoreMetrics.Timer(label: "bench.load", factory: emf.factory)
    let noopTimer = CoreMetrics.Timer(label: "bench.load", factory: NOOPMetricsHandler.instance)
    Benchmark("metrics: Counter.increment, EMF backend", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let telemetry = await emfTelemetry([emf])
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { emfCounter.increment() }
        benchmark.stopMeasurement()
        await telemetry.tracer.flush()
    }
    Benchmark("floor: Counter.increment, no-op metrics backend", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations { noopCounter.increment() }
    }
    Benchmark("metrics: Timer.recordNanoseconds, EMF backend", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let telemetry = await emfTelemetry([emf])
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { emfTimer.recordNanoseconds(1_234_567) }
        benchmark.stopMeasurement()
        await telemetry.tracer.flush()
    }
    Benchmark("floor: Timer.recordNanoseconds, no-op metrics backend", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations { noopTimer.recordNanoseconds(1_234_567) }
    }
    // The flush of an invocation that updated 10 counters: drain, encode the EMF line, write it.
    let tenCounters = (0..<10).map { Counter(label: "bench.counter.\($0)", factory: emf.factory) }
    Benchmark("metrics: EMF flush of 10 updated counters (one line to /dev/null)") { benchmark in
        let telemetry = await emfTelemetry([emf])
        for _ in benchmark.scaledIterations {
            benchmark.stopMeasurement()
            for counter in tenCounters { counter.increment() }
            benchmark.startMeasurement()
            await telemetry.tracer.flush()
        }
    }
    Benchmark("floor: the same flush with no metrics plugin") { benchmark in
        let telemetry = await emfTelemetry([])
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { await telemetry.tracer.flush() }
    }
    let logTracer = OtelTracer(
        processor: LambdaSpanProcessor(exporter: DiscardingExporter(), environment: OtelEnvironment()),
        limits: SpanLimits(eventCountLimit: 1_000_000))
    let eventLogger = Logger(label: "bench") { SpanEventLogHandler(label: $0) }
    let noopLogger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
    Benchmark("logs: logger.info with metadata in a span, span-event handler", configuration: .init(scalingFactor: .kilo)) { benchmark in
        logTracer.withSpan("logged") { _ in
            for _ in benchmark.scaledIterations { eventLogger.info("loaded order", metadata: ["order.id": "42"]) }
        }
    }
    Benchmark("floor: logger.info with metadata in a span, no-op handler", configuration: .init(scalingFactor: .kilo)) { benchmark in
        logTracer.withSpan("logged") { _ in
            for _ in benchmark.scaledIterations { noopLogger.info("loaded order", metadata: ["order.id": "42"]) }
        }
    }

    // Through the emulator over real HTTP, on swift-aws-lambda-runtime: the latency the caller sees for an
    // invocation whose only span is the invocation span (1 span) and for one that makes 100 child spans, against
    // the same function with no telemetry (the floor). One invocation per sample, so the percentiles are per
    // invocation.
    for spans in [1, 100] {
        for mode in ["none", "async", "sync"] {
            let rig = RuntimeRig()
            Benchmark(
                "invocation over HTTP: \(spans) span\(spans == 1 ? "" : "s"), \(mode == "none" ? "no telemetry" : mode)",
                configuration: .init(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 50, maxDuration: .seconds(5), maxIterations: 20_000),
                closure: { benchmark in
                    guard let invoker = rig.invoker else { return }
                    for _ in benchmark.scaledIterations {
                        blackHole(try await invoker.invoke(event))
                    }
                },
                setup: { try await rig.start(mode: mode, workers: nil, childSpans: spans == 1 ? 0 : spans) },
                teardown: { await rig.stop() }
            )
        }
    }

    // Lambda Managed Instances: 64 invocations sent at once to 1 or 8 runtime workers, with no telemetry, the
    // background exporter (`async` there) and `sync`. Throughput is 64 over the wall clock of a sample.
    for workers in [1, 8] {
        for mode in ["none", "async", "sync"] {
            let rig = RuntimeRig()
            Benchmark(
                "managed instances: 64 invocations, \(workers) worker\(workers == 1 ? "" : "s"), \(mode == "none" ? "no telemetry" : mode)",
                configuration: .init(metrics: [.wallClock], warmupIterations: 3, maxDuration: .seconds(5), maxIterations: 200),
                closure: { benchmark in
                    let invokers = rig.invokers
                    guard invokers.count == 64 else { return }
                    for _ in benchmark.scaledIterations {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for invoker in invokers {
                                group.addTask { _ = try await invoker.invoke(event) }
                            }
                            try await group.waitForAll()
                        }
                    }
                },
                setup: { try await rig.start(mode: mode, workers: workers, childSpans: 100, invokers: 64) },
                teardown: { await rig.stop() }
            )
        }
    }
}

/// Answers a fixed response.
struct AnswerHandler: StreamingLambdaHandler, Sendable {
    let response: ByteBuffer

    func handle(_ event: ByteBuffer, responseWriter: some LambdaResponseStreamWriter, context: LambdaContext) async throws {
        try await responseWriter.writeAndFinish(response)
    }
}

/// Makes `childSpans` spans, then answers.
struct SpansHandler: StreamingLambdaHandler, Sendable {
    let childSpans: Int

    func handle(_ event: ByteBuffer, responseWriter: some LambdaResponseStreamWriter, context: LambdaContext) async throws {
        for i in 0..<childSpans {
            withSpan("work-\(i % 10)") { span in span.attributes["i"] = i }
        }
        try await responseWriter.writeAndFinish(ByteBuffer(string: #"{"statusCode":200}"#))
    }
}

/// Writes nothing: the response goes nowhere, as in the handler figures.
struct DiscardingWriter: LambdaResponseStreamWriter {
    func write(_ buffer: ByteBuffer, hasCustomHeaders: Bool) async throws { blackHole(buffer.readableBytes) }
    func finish() async throws {}
    func writeAndFinish(_ buffer: ByteBuffer) async throws { blackHole(buffer.readableBytes) }
}

/// The context of one benchmark invocation.
func benchContext() -> LambdaContext {
    LambdaContext(
        requestID: "8476a536-e9f4-11e8-9739-2dfe598c3fcd", traceID: "", tenantID: nil,
        invokedFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:peer-swift-fn",
        deadline: .init(millisecondsSinceEpoch: Int64.max / 2), logger: benchLogger)
}

let benchLogger = Logger(label: "bench")

/// The emulator and a function on swift-aws-lambda-runtime, traced or not, with one worker (`LambdaRuntime`) or
/// several (`LambdaManagedRuntime`).
final class RuntimeRig: @unchecked Sendable {
    // Set in setup and cleared in teardown, which the benchmark runner calls before and after the samples;
    // never touched concurrently.
    var server: LocalLambdaServer?
    var task: Task<Void, any Error>?
    var invoker: LocalInvoker?
    /// Invokers that each keep their connection across the samples, for concurrent invocations.
    var invokers: [LocalInvoker] = []

    func start(mode: String, workers: Int?, childSpans: Int, invokers count: Int = 0) async throws {
        let traced = mode != "none"
        let server = try await LocalLambdaServer.start(port: 0, functionName: "bench", maxConcurrency: workers ?? 1)
        setenv("AWS_LAMBDA_RUNTIME_API", server.runtimeAPI, 1)
        setenv("AWS_LAMBDA_MAX_CONCURRENCY", String(workers ?? 1), 1)
        var values = lambdaEnvironment
        values["AWS_LAMBDA_RUNTIME_API"] = server.runtimeAPI
        values["LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE"] = traced ? mode : "sync"
        if workers != nil { values["AWS_LAMBDA_INITIALIZATION_TYPE"] = "lambda-managed-instances" }
        let telemetry = await LambdaTelemetry.make(
            configuration: OtelConfiguration(exporter: "devnull"),
            plugins: [StdoutExporterPlugin.devNull] + .defaults, environment: OtelEnvironment(values))
        let work = SpansHandler(childSpans: childSpans)
        let run: @Sendable () async throws -> Void
        switch (traced, workers) {
        case (false, nil):
            let runtime = LambdaRuntime(handler: work)
            run = { try await runtime.run() }
        case (false, .some):
            let runtime = LambdaManagedRuntime(handler: work)
            run = { try await runtime.run() }
        case (true, nil):
            let runtime = LambdaRuntime(telemetry: telemetry, handler: work)
            run = { try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await runtime.run() }
                group.addTask { try await telemetry.run() }
            } }
        case (true, .some):
            let runtime = LambdaManagedRuntime(telemetry: telemetry, handler: work)
            run = { try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await runtime.run() }
                group.addTask { try await telemetry.run() }
            } }
        }
        let tracer: any Tracer = traced ? telemetry.tracer : NoOpTracer()
        task = Task { try await withTracer(tracer) { try await run() } }
        let invoker = LocalInvoker(server: server)
        _ = try await invoker.invoke(Array("{}".utf8))
        self.server = server
        self.invoker = invoker
        invokers = (0..<count).map { _ in LocalInvoker(server: server) }
    }

    func stop() async {
        for invoker in invokers { await invoker.close() }
        await invoker?.close()
        invokers = []
        task?.cancel()
        _ = await task?.result
        await server?.shutdown()
        server = nil
        invoker = nil
        task = nil
    }
}
/// A processing mode whose completion does nothing, like the peer's finalize-mode "span only" figure.
struct NoFlushMode: ProcessingMode {
    struct Completion: InvocationCompletion {
        func invocationDidEnd(_ invocation: InvocationContext) async {}
        func shutdown() async {}
    }
    func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion { Completion() }
}

extension StdoutExporterPlugin {
    /// The otlp-stdout exporter writing to /dev/null, registered as `devnull`.
    static var devNull: ClosurePlugin {
        ClosurePlugin { registry in
            registry.registerExporter(named: "devnull") { env in
                OtlpStdoutSpanExporter(output: FileDescriptorLineOutput(descriptor: devNullFD), environment: env)
            }
        }
    }
}
