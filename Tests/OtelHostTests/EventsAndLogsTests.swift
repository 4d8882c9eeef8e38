import Instrumentation
import Logging
import NIOConcurrencyHelpers
import OtelHost
import OtelHostTesting
import Testing
import Tracing
import W3CTraceContext

struct StructuredEventTests {
    func tracer() -> (OtelTracer, InMemorySpanExporter, LambdaSpanProcessor) {
        let exporter = InMemorySpanExporter()
        let processor = LambdaSpanProcessor(exporter: exporter, environment: OtelEnvironment())
        return (OtelTracer(processor: processor), exporter, processor)
    }

    @Test func eventsGoToTheCurrentSpanWithSeverity() async throws {
        let (tracer, exporter, processor) = tracer()
        withTracer(tracer) {
            withSpan("work") { _ in
                #expect(recordEvent(.warn, "disk almost full", attributes: ["disk.free": 3], minimumLevel: .info))
                #expect(recordEvent(.error, "", minimumLevel: .info))
                #expect(recordEvent(.info, "order placed", name: "order.placed", minimumLevel: .info))
                #expect(!recordEvent(.debug, "too chatty", minimumLevel: .info))
            }
        }
        #expect(!recordEvent(.error, "no span here", minimumLevel: .trace))
        try await processor.forceFlush()
        let events = try #require(exporter.spans.first?.events)
        #expect(events.count == 3)
        // An event is named after its message, or its level when the message is empty, or what the caller says.
        #expect(events.map(\.name) == ["disk almost full", "error", "order.placed"])
        #expect(events[0].attributes.get("event.severity_text") == .string("WARN"))
        #expect(events[0].attributes.get("event.severity_number") == .int64(13))
        #expect(events[0].attributes.get("event.body") == .string("disk almost full"))
        #expect(events[0].attributes.get("disk.free") == .int64(3))
        #expect(events[1].attributes.get("event.severity_number") == .int64(17))
        #expect(events[1].attributes.get("event.body") == nil)
    }

    @Test(arguments: [
        ([:], EventLevel.info),
        (["AWS_LAMBDA_LOG_LEVEL": "DEBUG"], .debug),
        (["LOG_LEVEL": "error"], .error),
        (["AWS_LAMBDA_LOG_LEVEL": "warn", "LOG_LEVEL": "trace"], .warn),
        (["AWS_LAMBDA_LOG_LEVEL": "loud"], .info),
        (["LOG_LEVEL": " Trace "], .trace),
    ] as [([String: String], EventLevel)])
    func minimumLevel(env: [String: String], expected: EventLevel) {
        #expect(EventLevel.minimum(from: OtelEnvironment(env)) == expected)
    }

    @Test func severityNumbers() {
        #expect(EventLevel.allCases.map(\.rawValue) == [1, 5, 9, 13, 17])
        #expect(EventLevel.allCases.map(\.text) == ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"])
    }
}

struct LogCorrelationTests {
    @Test func metadataCarriesTheCurrentSpanIDs() async throws {
        let (tracer, _, _) = StructuredEventTests().tracer()
        #expect(Logger.MetadataProvider.otelLite.get().isEmpty)
        withTracer(tracer) {
            withSpan("logged") { span in
                let metadata = Logger.MetadataProvider.otelLite.get()
                let context = span.context.otelSpanContext
                #expect(metadata["trace_id"] == .string(context?.traceID.description ?? "?"))
                #expect(metadata["span_id"] == .string(context?.spanID.description ?? "?"))
            }
        }
    }
}

struct QueryRedactionTests {
    @Test func sensitiveValuesAreRedacted() {
        let redaction = QueryRedaction()
        #expect(redaction.redact("a=1&X-Amz-Signature=abc&sig=s&x-amz-credential=c%2F1&keep=me")
            == "a=1&X-Amz-Signature=REDACTED&sig=REDACTED&x-amz-credential=REDACTED&keep=me")
        #expect(redaction.redact("plain=1") == "plain=1")
        #expect(redaction.redact("AWSAccessKeyId") == "AWSAccessKeyId")
    }

    @Test func escapedNamesEmptyPartsAndEqualsInValuesAreHandled() {
        let redaction = QueryRedaction()
        #expect(redaction.redact("X-Amz-%53ignature=abc") == "X-Amz-%53ignature=REDACTED")
        #expect(redaction.redact("&&sig=a=b&") == "&&sig=REDACTED&")
        #expect(redaction.redact("sig=") == "sig=REDACTED")
        #expect(redaction.redact("") == "")
        #expect(redaction.redact("é=1&Signature=ü&z") == "é=1&Signature=REDACTED&z")
    }

    @Test func configurable() {
        #expect(QueryRedaction.resolve(OtelEnvironment(["OTEL_LITE_REDACTED_QUERY_PARAMETERS": "token, Secret"])).redact("token=1&secret=2&sig=3")
            == "token=REDACTED&secret=REDACTED&sig=3")
        #expect(QueryRedaction.resolve(OtelEnvironment(["OTEL_LITE_REDACTED_QUERY_PARAMETERS": "none"])).redact("sig=3") == "sig=3")
    }
}

struct TimeoutTests {
    /// Work that ends after 5 s, or when cancelled: a timeout that does not fire lets it return a value.
    @Sendable static func hang() async throws -> Int {
        try await sleepCancellably(for: .seconds(5))
        return 1
    }

    @Test func anEarlierDeadlineFiresWhileALaterOneIsPending() async throws {
        // Left unawaited: cancelled when the test returns.
        async let _: Int? = try? withTimeout(.seconds(60), "late") { try await Self.hang() }
        // Give the late timeout time to set the timer for its own deadline first.
        try await Task.sleep(for: .milliseconds(50))
        await #expect(throws: LambdaTelemetryError.self) {
            _ = try await withTimeout(.milliseconds(100), "early") { try await Self.hang() }
        }
    }

    @Test func aLaterDeadlineFiresAfterAnEarlierTimeoutEndedInTime() async throws {
        #expect(try await withTimeout(.milliseconds(50), "quick") { 7 } == 7)
        await #expect(throws: LambdaTelemetryError.self) {
            _ = try await withTimeout(.milliseconds(200), "later") { try await Self.hang() }
        }
        // Many timeouts ending in time leave nothing behind that fires late.
        for i in 0..<1_000 {
            #expect(try await withTimeout(.seconds(1), "many") { i } == i)
        }
    }
}

struct BoundedFlushTests {
    /// An exporter that never returns.
    struct StuckExporter: SpanExporter {
        func export(_ batch: [FinishedSpan]) async throws {
            try await Task.sleep(nanoseconds: 3_600_000_000_000)
        }
    }

    @Test func aStuckExporterCannotHoldTheInvocationPastItsDeadline() async {
        let processor = LambdaSpanProcessor(exporter: StuckExporter(), environment: OtelEnvironment())
        let tracer = OtelTracer(processor: processor)
        tracer.startSpan("stuck", context: .topLevel).end()
        let start = ContinuousClock.now
        await tracer.flush(before: .fake(remainingTime: .seconds(1)))
        // The exporter would take an hour; the flush gives up at the deadline's 1 s budget. The bound only has to
        // tell "gave up" from "waited for the exporter": on a two-core machine running every other suite in
        // parallel the timer's wake-up can wait many seconds for a free thread.
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test func aThrowingExporterIsLoggedNotThrown() async {
        struct Boom: Error {}
        let processor = LambdaSpanProcessor(exporter: ClosureSpanExporter { _ in throw Boom() }, environment: OtelEnvironment())
        let tracer = OtelTracer(processor: processor)
        tracer.startSpan("boom", context: .topLevel).end()
        await tracer.flush(before: .fake())
        await tracer.flush()
    }
}
