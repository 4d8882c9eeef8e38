import AWSLambdaRuntime
import HelloLambdaHandler
import NIOCore
import LambdaOtelLite
import NIOConcurrencyHelpers
import OtelHostTesting
import Testing

/// An exporter that can hold its exports (or only those holding a span named `held`) until released, and records
/// the order of what happens.
final class GatedExporter: SpanExporter {
    let log = NIOLockedValueBox<[String]>([])
    let spans = NIOLockedValueBox<[FinishedSpan]>([])
    let gate: NIOLockedValueBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>
    let held: String?

    init(holding held: String? = nil, open: Bool = true) {
        self.held = held
        gate = NIOLockedValueBox((open, []))
    }

    func close() { gate.withLockedValue { $0.open = false } }

    func open() {
        let waiters = gate.withLockedValue { g -> [CheckedContinuation<Void, Never>] in
            g.open = true
            defer { g.waiters.removeAll() }
            return g.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func export(_ batch: [FinishedSpan]) async throws {
        if let held, !batch.contains(where: { $0.name == held }) {
            spans.withLockedValue { $0 += batch }
            return
        }
        await withCheckedContinuation { continuation in
            let now = gate.withLockedValue { g -> Bool in
                if g.open { return true }
                g.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
        spans.withLockedValue { $0 += batch }
        if !batch.isEmpty { log.withLockedValue { $0.append("export \(batch.count)") } }
    }

    func note(_ entry: String) { log.withLockedValue { $0.append(entry) } }
}

/// Whether `condition` holds within `seconds`, checked every 5 ms. The default is generous: it only bounds how
/// long a failing test waits, and a thread-sanitized run of every suite in parallel on two cores can leave a
/// background task unscheduled for several seconds.
func eventually(_ seconds: Double = 30, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 5_000_000)
    }
    return condition()
}

struct ProcessingModeTests {
    func start(
        mode: String, quirks: LocalLambdaServer.Quirks = [], timeoutMs: UInt64 = 60_000, eventDelayMs: Int64 = 0,
        exporter: GatedExporter,
        processors: [any SpanProcessor] = [], telemetryInHandler: Bool = true,
        handler: @escaping @Sendable (ByteBuffer, LambdaContext) async throws -> [UInt8] = { _, _ in Array(#"{"statusCode":200}"#.utf8) }
    ) async throws -> (LocalLambdaServer, LambdaTelemetry, LocalLambda) {
        let plugin = ClosurePlugin { $0.registerExporter(named: "gated") { _ in exporter } }
        let lambda = try await LocalLambda.start(
            environment: [ProcessingModeName.variable: mode],
            configuration: OtelConfiguration(spanProcessors: processors, exporter: "gated"),
            plugins: [plugin], quirks: quirks, timeoutMs: timeoutMs, eventDelayMs: eventDelayMs,
            traced: telemetryInHandler, handler: BytesHandler(body: handler))
        return (lambda.server, lambda.telemetry, lambda)
    }

    @Test func asyncModeAnswersTheCallerBeforeExporting() async throws {
        let exporter = GatedExporter()
        let (server, telemetry, runtime) = try await start(mode: "async", exporter: exporter)
        defer { runtime.cancel() }
        let invoker = LocalInvoker(server: server)
        // The first invocation completes the init phase (its export holds the init span too); then hold every export.
        _ = try await invoker.invoke(Array("{}".utf8))
        #expect(await eventually { exporter.log.withLockedValue { $0 } == ["export 2"] })
        #expect(telemetry.processingMode == .async)
        #expect(server.registeredExtensionCount == 1)

        exporter.close()
        let (status, _) = try await invoker.invoke(Array("{}".utf8))
        exporter.note("response")
        #expect(status == 200)
        exporter.open()
        #expect(await eventually { exporter.log.withLockedValue { $0.count } == 3 })
        #expect(exporter.log.withLockedValue { $0 } == ["export 2", "response", "export 1"])
    }

    @Test func asyncModeExportsEverySpanOfAHundredInvocationsExactlyOnce() async throws {
        let exporter = GatedExporter()
        let (server, _, runtime) = try await start(mode: "async", exporter: exporter) { bytes, context in
            withSpan("child") { span in span.attributes["request"] = context.requestID }
            return Array(#"{"statusCode":200}"#.utf8)
        }
        defer { runtime.cancel() }
        let invoker = LocalInvoker(server: server)
        for _ in 0..<100 { _ = try await invoker.invoke(Array("{}".utf8)) }
        // 100 invocations of 2 spans, and the init span of the cold start.
        #expect(await eventually { exporter.spans.withLockedValue { $0.count } >= 201 })
        try? await Task.sleep(nanoseconds: 50_000_000)
        let spans = exporter.spans.withLockedValue { $0 }
        #expect(spans.count == 201)
        #expect(Set(spans.map(\.context.spanID)).count == 201)
        #expect(spans.filter { $0.name == "lambda-init" }.count == 1)
        #expect(spans.filter { $0.kind == .server }.count == 100)
    }

    @Test func completionSignalledBeforeTheInvokeEventIsHonoured() async throws {
        let exporter = GatedExporter()
        // INVOKE events reach the extension 300 ms after the runtime has the invocation, so the traced handler's
        // completion signal always arrives first.
        let (server, _, runtime) = try await start(mode: "async", eventDelayMs: 300, exporter: exporter)
        defer { runtime.cancel() }
        let invoker = LocalInvoker(server: server)
        let start = ContinuousClock.now
        for _ in 0..<3 {
            let (status, _) = try await invoker.invoke(Array("{}".utf8))
            #expect(status == 200)
        }
        // Each flush happened right after its late INVOKE event, not at the watchdog shortly before the 60 s
        // deadline: the early signals were matched by request id. About 1 s on an idle machine; the bound only
        // has to separate that from the watchdog's 59 s, with room for a loaded sanitizer run.
        #expect(await eventually(5) { exporter.spans.withLockedValue { $0.count } == 3 })
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test func missingCompletionIsCaughtByTheWatchdogBeforeTheDeadline() async throws {
        let exporter = GatedExporter()
        let (server, _, runtime) = try await start(
            mode: "async", timeoutMs: 1500, exporter: exporter, telemetryInHandler: false
        ) { _, context in
            telemetry_span(context)
            return Array("{}".utf8)
        }
        defer { runtime.cancel() }
        let invoker = LocalInvoker(server: server)
        let start = ContinuousClock.now
        _ = try await invoker.invoke(Array("{}".utf8))
        // No completion is ever signalled; the extension must still flush and let the next invocation in.
        #expect(await eventually(5) { exporter.spans.withLockedValue { $0.count } == 1 })
        let (status, _) = try await invoker.invoke(Array("{}".utf8), timeoutMs: 10_000)
        #expect(status == 200)
        #expect(ContinuousClock.now - start < .seconds(4))
    }

    @Test func refusedRegistrationFallsBackToSync() async throws {
        let exporter = GatedExporter()
        let (server, telemetry, runtime) = try await start(mode: "async", quirks: [.refuseExtensionRegistration], exporter: exporter)
        defer { runtime.cancel() }
        let (status, _) = try await LocalInvoker(server: server).invoke(Array("{}".utf8))
        #expect(status == 200)
        #expect(telemetry.processingMode == .sync)
        // Sync mode: the span (and, on this cold start, the init span) is exported before the response is posted.
        #expect(exporter.spans.withLockedValue { $0.map(\.name).sorted() } == ["lambda-init", "test-handler"])
    }

    @Test func finalizeBacksOffWhenEventNextFailsAtOnce() async throws {
        let exporter = GatedExporter()
        let batch = BatchSpanProcessor(exporter: exporter, maxExportBatchSize: 1, scheduledDelay: .milliseconds(50))
        let (server, telemetry, runtime) = try await start(
            mode: "finalize", quirks: [.failEventNextWithoutEvents], exporter: exporter, processors: [batch])
        defer { runtime.cancel() }
        let (status, _) = try await LocalInvoker(server: server).invoke(Array("{}".utf8))
        #expect(status == 200)
        #expect(telemetry.processingMode == .finalize)
        // The batch processor exports on its own.
        #expect(await eventually { exporter.spans.withLockedValue { $0.count } == 2 })
        try await Task.sleep(nanoseconds: 1_000_000_000)
        // About 1 s of always-failing event/next with back-off from 100 ms: a handful of calls, not thousands.
        #expect(server.extensionNextCount < 12)
        #expect(server.extensionNextCount >= 2)
    }

    @Test func batchProcessorExportsBySizeAndTime() async throws {
        let exporter = GatedExporter()
        let batch = BatchSpanProcessor(exporter: exporter, maxExportBatchSize: 3, scheduledDelay: .milliseconds(100))
        // The timer and the full-batch exports are the processor's background work (the telemetry service runs it).
        let background = Task { await batch.run() }
        defer { background.cancel() }
        let tracer = OtelTracer(processor: batch)
        for i in 0..<3 { tracer.startSpan("s\(i)", context: .topLevel).end() }
        #expect(await eventually { exporter.spans.withLockedValue { $0.count } == 3 })
        tracer.startSpan("late", context: .topLevel).end()
        #expect(await eventually { exporter.spans.withLockedValue { $0.count } == 4 })
        try await batch.shutdown()
        tracer.startSpan("after", context: .topLevel).end()
        try await batch.forceFlush()
        #expect(exporter.spans.withLockedValue { $0.map(\.name) } == ["s0", "s1", "s2", "late"])
    }
}

/// A span ended inside an untraced handler, so the async extension has something to flush.
func telemetry_span(_ context: LambdaContext) {
    withSpan("untraced work") { $0.attributes["request"] = context.requestID }
}
