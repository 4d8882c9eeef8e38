import InMemoryLogging
import Logging
import OtelHost
import OtelHostTesting
import Testing

/// The logger given in the configuration receives the library's diagnostics, at start-up and during invocations.
struct DiagnosticsLoggerTests {
    @Test func theConfiguredLoggerReceivesStartUpAndInvocationDiagnostics() async throws {
        let logs = InMemoryLogHandler()
        let token = "bogus-\(UInt32.random(in: 0...UInt32.max))"
        let telemetry = await LambdaTelemetry.make(
            configuration: OtelConfiguration(logger: Logger(label: "mine") { _ in logs }),
            plugins: [InMemoryExporterPlugin()],
            environment: OtelEnvironment(["OTEL_TRACES_SAMPLER": token]))
        let messages = { logs.entries.map { "\($0.message)" } }
        #expect(logs.entries.contains { $0.level == .warning && "\($0.message)".contains(token) })
        #expect(messages().contains { $0.hasPrefix("telemetry started: mode=sync") })

        let late = InvocationContext.fake(remainingTime: .zero)
        _ = try await telemetry.traceInvocation(late, extracted: ExtractedSpan()) { _ in 1 }
        #expect(messages().contains { $0.contains("no time left before the deadline of \(late.requestID)") })
    }

    @Test func withoutALoggerTheDiagnosticsDoNotReachAnotherTelemetrysLogger() async throws {
        let logs = InMemoryLogHandler()
        _ = await LambdaTelemetry.make(
            configuration: OtelConfiguration(logger: Logger(label: "mine") { _ in logs }),
            plugins: [InMemoryExporterPlugin()], environment: OtelEnvironment())
        let token = "bogus-\(UInt32.random(in: 0...UInt32.max))"
        _ = await LambdaTelemetry.make(
            plugins: [InMemoryExporterPlugin()], environment: OtelEnvironment(["OTEL_TRACES_SAMPLER": token]))
        #expect(!logs.entries.contains { "\($0.message)".contains(token) })
    }
}
