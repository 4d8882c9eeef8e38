import OtelHost
import OtelHostTesting
import Tracing

/// Runs one invocation of `telemetry`, as the runtime would: the handler makes `children` child spans with
/// `withSpan`, and the invocation's completion (a flush in sync mode) runs before it returns.
///
/// The only place these tests call `traceInvocation`.
func runInvocation(_ telemetry: LambdaTelemetry, children: Int) async throws {
    try await withTracer(telemetry.tracer) {
        _ = try await telemetry.traceInvocation(.fake(), extracted: ExtractedSpan()) { _ in
            for index in 0..<children {
                withSpan("child-\(index)") { _ in }
            }
            return 0
        }
    }
}
