import OtelHost
import OtelStdoutExporter
import OtlpStdoutDecoding
import Testing

/// Registers the real otlp-stdout exporter, writing to a given descriptor, as `stdout-on-fd`.
struct DescriptorExporterPlugin: OtelPlugin {
    let descriptor: Int32

    func register(into registry: inout PluginRegistry) {
        let descriptor = descriptor
        registry.registerExporter(named: "stdout-on-fd") { environment in
            OtlpStdoutSpanExporter(output: FileDescriptorLineOutput(descriptor: descriptor), environment: environment)
        }
    }
}

struct InvocationSpanOverflowTests {
    /// Invocations of 4 spans (the invocation span and 3 children) through a queue of 2, exported as real lines
    /// into a pipe and decoded: every invocation span is there with its drop count, and every span is accounted
    /// for.
    @Test func everyInvocationSpanOfAnOverflowingQueueIsExportedWithItsDropCount() async throws {
        let pipe = StalledPipe()
        let telemetry = await LambdaTelemetry.make(
            configuration: OtelConfiguration(queueSize: 2, exporter: "stdout-on-fd"),
            plugins: [DescriptorExporterPlugin(descriptor: pipe.writeEnd)],
            environment: OtelEnvironment())
        let invocations = 5, spansPerInvocation = 4
        for _ in 0..<invocations {
            try await runInvocation(telemetry, children: spansPerInvocation - 1)
        }
        let written = lines(pipe.drain())
        #expect(written.count == invocations, "one line per flush")
        var exported = 0
        var dropped: Int64 = 0
        for line in written {
            let spans = try OtlpStdoutLine(decoding: line).request.allSpans.map(\.span)
            exported += spans.count
            let invocation = spans.filter { $0.attributes["faas.invocation_id"] != nil }
            #expect(invocation.count == 1, "the invocation span, with its faas attributes")
            guard case .int(let count)? = invocation.first?.attributes["lambda_otel_lite.dropped_spans"] else {
                Issue.record("no lambda_otel_lite.dropped_spans on the invocation span")
                continue
            }
            #expect(Int(count) == spansPerInvocation - spans.count)
            dropped += count
        }
        #expect(exported + Int(dropped) == invocations * spansPerInvocation)
    }
}
