// otel-lite-demo: runs the example function on swift-aws-lambda-runtime against an in-process Lambda emulator,
// invokes it over real HTTP with the bundled sample events, and shows what the telemetry looks like.
//
// stdout: the raw otlp-stdout and EMF metric lines, exactly as CloudWatch Logs would receive them.
// stderr: each invocation and its response, then the decoded span waterfall (log records on their spans) and
// the EMF metrics, summarised.

import AWSLambdaRuntime
import HelloLambdaHandler
import LambdaOtelLite
import Logging
import OtelEMFMetrics
import OtelHostTesting
import OtelLogEvents
import OtlpStdoutDecoding

#if canImport(Glibc)
import Glibc
#endif

func printErr(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count, let base = raw.baseAddress {
            let n = write(2, base + offset, raw.count - offset)
            if n <= 0 { break }
            offset += n
        }
    }
}

/// Writes each line to stdout and keeps a copy for the waterfall.
final class TeeOutput: OtlpLineOutput {
    let stdout = FileDescriptorLineOutput.standardOutput
    let copy = BufferLineOutput()

    func writeLine(_ line: UnsafeRawBufferPointer) throws(ExportFailure) {
        try stdout.writeLine(line)
        try copy.writeLine(line)
    }
}

let tee = TeeOutput()
// The function's log records at info and above become events of its spans; the records themselves go nowhere
// here, so that stderr shows the summary only.
LoggingSystem.bootstrap { label in SpanEventLogHandler(label: label, eventLevel: .info) }
let server = try await LocalLambdaServer.start(port: 0, functionName: "hello-lambda")
// The runtime reads its address from the process environment, as on Lambda.
setenv("AWS_LAMBDA_RUNTIME_API", server.runtimeAPI, 1)
var environment = OtelEnvironment.process()
environment.values["AWS_LAMBDA_FUNCTION_NAME"] = environment.values["AWS_LAMBDA_FUNCTION_NAME"] ?? "hello-lambda"
environment.values["AWS_REGION"] = environment.values["AWS_REGION"] ?? "us-east-1"
environment.values["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = environment.values["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] ?? "128"
let demoExporter = ClosurePlugin { registry in
    registry.registerExporter(named: "demo") { env in OtlpStdoutSpanExporter(output: tee, environment: env) }
}
let telemetry = await LambdaTelemetry.bootstrap(
    configuration: OtelConfiguration(exporter: "demo"),
    plugins: [demoExporter, EMFMetrics(output: tee)] + .defaults,
    environment: environment)
printErr("otel-lite-demo: local Lambda at http://\(server.runtimeAPI)\(server.invocationEndpoint), mode \(telemetry.processingMode)")

let runtime = LambdaRuntime(telemetry: telemetry, name: "hello-lambda", body: HelloHandler.handle)

var invocations = SampleEvents.all
invocations.append(("apigw_v2_http.json with path /error", SampleEvents.apiGatewayV2.replacingPath(with: "/orders/error")))
invocations.append(("apigw_v2_http.json with path /throw", SampleEvents.apiGatewayV2.replacingPath(with: "/orders/throw")))

let invoker = LocalInvoker(server: server)
var failures = 0
await withTaskGroup(of: Void.self) { group in
    group.addTask { try? await telemetry.run(alongside: runtime) }
    for (label, event) in invocations {
        do {
            let (status, body) = try await invoker.invoke(Array(event.utf8))
            printErr("→ \(label): HTTP \(status) \(body)")
        } catch {
            failures += 1
            printErr("→ \(label): invocation failed: \(error)")
        }
    }
    await telemetry.tracer.flush()
    group.cancelAll()
}
await server.shutdown()

var entries: [WaterfallRenderer.Entry] = []
var metrics = EMFSummary()
for line in tee.copy.takeLines() {
    if metrics.add(line: line) { continue }
    do {
        entries += try OtlpStdoutLine(decoding: line).request.allSpans
    } catch {
        failures += 1
        printErr("a telemetry line did not decode: \(error)")
    }
}
printErr("\n\(entries.count) spans in \(Set(entries.map(\.span.traceID)).count) traces:\n")
printErr(WaterfallRenderer(color: isatty(2) != 0, showAttributes: false, showLogs: true).render(entries))
printErr(metrics.render())
exit(failures == 0 && !entries.isEmpty ? 0 : 1)

extension String {
    func replacingPath(with path: String) -> String {
        var text = self
        if let start = text.firstRange(of: #""rawPath": "/orders/42""#) {
            text.replaceSubrange(start, with: #""rawPath": "\#(path)""#)
        }
        return text
    }
}
