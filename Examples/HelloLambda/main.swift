// hello-lambda: an example function on swift-aws-lambda-runtime. On AWS it is the `bootstrap` of a
// provided.al2023 function; locally (no AWS_LAMBDA_RUNTIME_API) the runtime serves
// POST http://127.0.0.1:7000/invoke. On Lambda Managed Instances it takes several invocations at once.

import AWSLambdaRuntime
import HelloLambdaHandler
import LambdaOtelLite
import Logging
import OtelEMFMetrics
import OtelLogEvents

#if canImport(Glibc)
import Glibc
#endif

// Log records at info and above also become events of the current span; all still go to stderr.
LoggingSystem.bootstrap(SpanEventLogHandler.wrapping(StreamLogHandler.standardError))
// EMFMetrics makes swift-metrics write CloudWatch EMF lines beside the spans.
let telemetry = await LambdaTelemetry.bootstrap(plugins: [EMFMetrics()] + .defaults)
do {
    if telemetry.settings.isManagedInstances {
        // Up to AWS_LAMBDA_MAX_CONCURRENCY invocations at once, each traced on its own.
        let runtime = LambdaManagedRuntime(telemetry: telemetry, name: "hello-lambda", body: HelloHandler.handle)
        try await telemetry.run(alongside: runtime)
    } else {
        let runtime = LambdaRuntime(telemetry: telemetry, name: "hello-lambda", body: HelloHandler.handle)
        try await telemetry.run(alongside: runtime)
    }
} catch {
    // One line naming the cause, and a non-zero exit: what Lambda shows as an init failure.
    let line = Array("hello-lambda: \(error)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}
