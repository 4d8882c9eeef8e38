// otel-lite-soak: many invocations of a traced function on swift-aws-lambda-runtime against the in-process
// emulator, printing the resident memory every 5,000 invocations, to show it stays flat.
//
//   swift run -c release otel-lite-soak [invocations] [mode] [timeout-seconds]
//   (defaults: 100000, async, 900 — Lambda's longest timeout, so every deadline is far away)

import AWSLambdaRuntime
import LambdaOtelLite
import NIOCore
import OtelHostTesting
import OtelHost

#if canImport(Glibc)
import Glibc
#endif

struct ThreeSpans: StreamingLambdaHandler, Sendable {
    func handle(_ event: ByteBuffer, responseWriter: some LambdaResponseStreamWriter, context: LambdaContext) async throws {
        withSpan("load") { span in
            span.attributes["request"] = context.requestID
            withSpan("query") { _ in }
        }
        try await responseWriter.writeAndFinish(ByteBuffer(string: #"{"statusCode":200}"#))
    }
}

func residentMiB() -> Double {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0
    var resident = 0
    guard fscanf_two(file, &size, &resident) else { return 0 }
    return Double(resident * Int(sysconf(Int32(_SC_PAGESIZE)))) / 1_048_576
}

func fscanf_two(_ file: UnsafeMutablePointer<FILE>, _ a: inout Int, _ b: inout Int) -> Bool {
    var buffer = [UInt8](repeating: 0, count: 128)
    let n = fread(&buffer, 1, buffer.count, file)
    let fields = buffer[0..<n].split(separator: UInt8(ascii: " ")).compactMap { Int(String(decoding: $0, as: UTF8.self)) }
    guard fields.count >= 2 else { return false }
    a = fields[0]
    b = fields[1]
    return true
}

func printLine(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
let count = arguments.count > 1 ? Int(arguments[1]) ?? 100_000 : 100_000
let mode = arguments.count > 2 ? arguments[2] : "async"
let timeoutSeconds = arguments.count > 3 ? UInt64(arguments[3]) ?? 900 : 900
// A fourth argument `none` exports nothing (OTEL_TRACES_EXPORTER=none), to tell the exporter's share apart.
let exporterName = arguments.count > 4 ? arguments[4] : "devnull"

let server = try await LocalLambdaServer.start(port: 0, functionName: "soak", timeoutMs: timeoutSeconds * 1000)
setenv("AWS_LAMBDA_RUNTIME_API", server.runtimeAPI, 1)
let devNull = open("/dev/null", O_WRONLY)
let exporter = ClosurePlugin { registry in
    registry.registerExporter(named: "devnull") { env in
        OtlpStdoutSpanExporter(output: FileDescriptorLineOutput(descriptor: devNull), environment: env)
    }
}
let telemetry = await LambdaTelemetry.make(
    configuration: OtelConfiguration(exporter: "devnull"), plugins: [exporter] + .defaults,
    environment: OtelEnvironment([
        "AWS_LAMBDA_RUNTIME_API": server.runtimeAPI, "LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE": mode == "none" ? "sync" : mode,
        "AWS_LAMBDA_FUNCTION_NAME": "soak", "OTEL_TRACES_EXPORTER": exporterName,
    ]))
// `none`: the same function without telemetry, the floor.
let run: @Sendable () async throws -> Void
if mode == "none" {
    let runtime = LambdaRuntime(handler: ThreeSpans())
    run = { try await runtime.run() }
} else {
    let runtime = LambdaRuntime(telemetry: telemetry, handler: ThreeSpans())
    run = { try await runtime.run() }
}
let invoker = LocalInvoker(server: server)
if arguments.count > 5, arguments[5] == "direct" {
    // The host's entry point alone, without the runtime or HTTP.
    let variant = getenv("SOAK_VARIANT").map { String(cString: $0) } ?? ""
    for i in 1...count {
        if variant == "span" {
            telemetry.tracer.startSpan("x", context: .topLevel).end()
            try await telemetry.tracer.processor.forceFlush()
            if i % 5_000 == 0 { printLine("\(i) span: RSS \(format2(residentMiB())) MiB") }
            continue
        }
        if variant == "flush" {
            await telemetry.tracer.flush(before: InvocationContext(requestID: "r", deadline: .now + .seconds(86_400), invokedFunctionARN: ""))
            if i % 5_000 == 0 { printLine("\(i) flush: RSS \(format2(residentMiB())) MiB") }
            continue
        }
        if variant == "timeout" {
            _ = try await withTimeout(.seconds(10), "x") { 1 }
            if i % 5_000 == 0 { printLine("\(i) timeout: RSS \(format2(residentMiB())) MiB") }
            continue
        }
        let context = InvocationContext(
            requestID: "r\(i)", deadline: .now + .seconds(86_400), invokedFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:soak")
        _ = try await telemetry.traceInvocation(context, extracted: ExtractedSpan()) { scope in
            withSpan("load") { _ in withSpan("query") { _ in } }
            await scope.responseWillBeSent()
            return 0
        }
        if i % 5_000 == 0 { printLine("\(i) direct: RSS \(format2(residentMiB())) MiB") }
    }
    exit(0)
}
printLine("mode \(telemetry.processingMode), timeout \(timeoutSeconds) s, \(count) invocations")
let start = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await run() }
    if mode != "none" { group.addTask { try await telemetry.run() } }
    for i in 1...count {
        let (status, _) = try await invoker.invoke(Array("{}".utf8))
        if status != 200 { printLine("invocation \(i): HTTP \(status)") }
        if i % 5_000 == 0 {
            printLine("\(i) invocations: RSS \(String(format2(residentMiB()))) MiB, \(ContinuousClock.now - start)")
        }
    }
    group.cancelAll()
}
exit(0)

func format2(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    return "\(hundredths / 100).\(String(repeating: "0", count: hundredths % 100 < 10 ? 1 : 0))\(hundredths % 100)"
}
