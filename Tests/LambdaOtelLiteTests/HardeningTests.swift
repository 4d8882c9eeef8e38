import EventFuzzing
import InMemoryLogging
import LambdaOtelLite
import Logging
import NIOConcurrencyHelpers
import OtelHostTesting
import Testing

struct EventPathPropertyTests {
    /// The regression run of the property test (the full run is `swift run -c release otel-lite-fuzz`).
    @Test func hostileEventsNeverBreakTheInvocation() async {
        var fuzzer = EventFuzzer(seed: 7)
        let checker = await EventPathChecker()
        for index in 0..<3000 {
            let event = fuzzer.event()
            let problem = await checker.check(event, index: index)
            #expect(problem == nil, "case \(index): \(String(decoding: event.prefix(200), as: UTF8.self))")
            if problem != nil { break }
        }
    }

    /// Inputs kept because they exercise the parser's and propagators' limits.
    @Test(arguments: [
        Array(String(repeating: "[", count: 100_000).utf8),
        Array(String(repeating: "{\"a\":", count: 20_000).utf8),
        [0xFF, 0xFE, 0x7B, 0x7D],
        Array(#"{"headers":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\u0000"}}"#.utf8),
        Array(#"{"headers":{"x-amzn-trace-id":"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Root=2"}}"#.utf8),
        Array(#"{"version":"2.0","routeKey":"GET","rawPath":"","requestContext":{"http":{"method":"","protocol":"HTTP/"}}}"#.utf8),
        Array(#"{"httpMethod":"GET","requestContext":{"stage":"x","identity":null},"multiValueQueryStringParameters":{"a":[null,1,"\ud83d\ude00"]}}"#.utf8),
        Array(#"{"requestContext":{"elb":{}},"multiValueHeaders":{"x-forwarded-for":[",,,"]}}"#.utf8),
        Array("-0.0e-99999".utf8),
        Array("\"\\ud800\\udc00\\uDFFF\"".utf8),
    ] as [[UInt8]])
    func regressionCorpus(event: [UInt8]) async {
        let checker = await EventPathChecker()
        #expect(await checker.check(event, index: 1) == nil)
    }

    @Test func sixMegabyteEvent() async {
        var fuzzer = EventFuzzer(seed: 1)
        let checker = await EventPathChecker()
        #expect(await checker.check(fuzzer.largeEvent(megabytes: 6), index: 2) == nil)
    }

    @Test func aHugeUserAgentIsCutByTheLengthLimit() async throws {
        let exporter = InMemorySpanExporter()
        let telemetry = await LambdaTelemetry.make(
            configuration: OtelConfiguration(exporter: "memory"),
            plugins: [InMemoryExporterPlugin(exporter: exporter)] + .defaults,
            environment: OtelEnvironment(["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "256"]))
        let agent = String(repeating: "A", count: 10_000_000)
        let event = #"{"version":"2.0","requestContext":{"http":{"method":"GET","userAgent":"\#(agent)"}}}"#
        _ = try await telemetry.traceInvocation(.fake(), extracted: telemetry.extract(rawEvent: Array(event.utf8))) { _ in 1 }
        guard case .string(let kept)? = exporter.spans.first?.attributes.get("user_agent.original") else {
            Issue.record("no user agent")
            return
        }
        #expect(kept.count == 256)
    }
}

/// Every environment variable we read, with an invalid value: one warning naming it, and the fallback.
@Suite(.serialized)
struct InvalidConfigurationTests {
    struct Recorder {
        let logs: InMemoryLogHandler
        var messages: [String] { logs.entries.filter { $0.level >= .warning }.map { "\($0.message)" } }
        func count(_ token: String) -> Int { messages.filter { $0.contains(token) }.count }
    }

    /// The warnings logged while `body` runs, through a logger given as the library's diagnostics logger.
    func withWarnings(_ body: () async -> Void) async -> Recorder {
        let logs = InMemoryLogHandler()
        await Diagnostics.withLogger(Logger(label: "test") { _ in logs }) { await body() }
        return Recorder(logs: logs)
    }

    @Test(arguments: [
        "LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE", "LAMBDA_SPAN_PROCESSOR_QUEUE_SIZE", "OTEL_TRACES_SAMPLER",
        "LAMBDA_TRACING_ENABLE_FMT_LAYER", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_EVENT_COUNT_LIMIT",
        "OTEL_SPAN_LINK_COUNT_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "OTEL_TRACES_EXPORTER", "OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL",
        "OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL", "OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE",
        "OTLP_STDOUT_SPAN_EXPORTER_MAX_LINE_BYTES", "OTLP_STDOUT_SPAN_EXPORTER_PIPE_TIMEOUT_MS",
        "OTEL_PROPAGATORS", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "LOG_LEVEL",
    ])
    func invalidValueWarnsOnceAndFallsBack(variable: String) async {
        let token = "bogus-\(UInt32.random(in: 0...UInt32.max))"
        var values = [variable: token]
        if variable == "OTLP_STDOUT_SPAN_EXPORTER_PIPE_TIMEOUT_MS" { values["OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE"] = "pipe" }
        let box = NIOLockedValueBox<LambdaTelemetry?>(nil)
        let recorder = await withWarnings {
            let telemetry = await LambdaTelemetry.make(plugins: .defaults, environment: OtelEnvironment(values))
            box.withLockedValue { $0 = telemetry }
        }
        #expect(recorder.count(token) == 1, "\(recorder.messages)")
        let telemetry = box.withLockedValue { $0 }
        // The documented fallbacks still run: sync mode, a recording tracer.
        #expect(telemetry?.processingMode == .sync)
        #expect(telemetry?.tracer.startSpan("ok", context: .topLevel).isRecording == true)
    }

    @Test func malformedHeadersAndResourceAttributesAreSkipped() async {
        let token = "bogus\(UInt32.random(in: 0...UInt32.max))"
        let recorder = await withWarnings {
            _ = await LambdaTelemetry.make(
                plugins: .defaults,
                environment: OtelEnvironment([
                    "OTEL_RESOURCE_ATTRIBUTES": "\(token),ok=1",
                    "OTEL_EXPORTER_OTLP_HEADERS": "\(token),=x",
                ]))
        }
        #expect(recorder.count(token) == 1)
    }
}
