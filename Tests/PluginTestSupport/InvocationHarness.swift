// The one place where the event-source plugin tests drive an invocation: telemetry with the otlp-stdout
// exporter writing to memory, `extract(rawEvent:)`, `traceInvocation`, a flush, and the lines decoded.

public import OtelHost
import OtelHostTesting
import OtelStdoutExporter
public import OtlpStdoutDecoding

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one invocation exported, decoded from the exporter's lines.
public struct ExportedInvocation: Sendable {
    /// The otlp-stdout lines written.
    public let lines: [String]
    /// Every span of every line, in order.
    public let spans: [DecodedSpan]
    /// The invocation's request id.
    public let requestID: String

    /// The spans whose `faas.invocation_id` is this invocation's.
    public var invocationSpans: [DecodedSpan] {
        spans.filter { $0.attributes["faas.invocation_id"] == .string(requestID) }
    }
}

/// Why the harness could not run.
public struct HarnessError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
}

/// Runs `event` as one invocation and returns what the otlp-stdout exporter wrote, decoded.
///
/// - Parameters:
///   - event: The raw event JSON.
///   - plugins: The plugins under test; the in-memory otlp-stdout exporter is registered before them.
///   - environment: Extra environment variables (limits, sampler, propagators).
///   - traceHeader: The runtime's X-Ray trace header for the invocation (`Lambda-Runtime-Trace-Id`).
public func invoke(
    _ event: String,
    plugins: [any OtelPlugin],
    environment: [String: String] = [:],
    traceHeader: String? = nil
) async throws -> ExportedInvocation {
    let output = BufferLineOutput()
    var values = [
        "AWS_LAMBDA_FUNCTION_NAME": "plugin-tests",
        "AWS_REGION": "us-east-1",
        "OTEL_SERVICE_NAME": "plugin-tests",
    ]
    values.merge(environment) { _, new in new }
    let exporterPlugin = ClosurePlugin { registry in
        registry.registerExporter(named: "test-lines") { environment in
            OtlpStdoutSpanExporter(output: output, environment: environment)
        }
    }
    let telemetry = await LambdaTelemetry.make(
        configuration: OtelConfiguration(exporter: "test-lines"), plugins: [exporterPlugin] + plugins,
        environment: OtelEnvironment(values))
    let context = InvocationContext.fake(traceHeader: traceHeader)
    let extracted = telemetry.extract(rawEvent: Array(event.utf8))
    _ = try await telemetry.traceInvocation(context, extracted: extracted) { _ in "handled" }
    await telemetry.tracer.flush()
    let lines = output.takeLines()
    var spans: [DecodedSpan] = []
    for line in lines {
        spans += try OtlpStdoutLine(decoding: line).request.allSpans.map(\.span)
    }
    return ExportedInvocation(lines: lines, spans: spans, requestID: context.requestID)
}

/// The text of a sample event in `Examples/Events/`.
public func exampleEvent(_ name: String, file: StaticString = #filePath) throws -> String {
    var directory = "\(file)"
    for _ in 0..<3 {
        guard let slash = directory.lastIndex(of: "/") else { break }
        directory = String(directory[..<slash])
    }
    let path = directory + "/Examples/Events/" + name
    guard let handle = fopen(path, "r") else { throw HarnessError(description: "cannot open \(path)") }
    defer { fclose(handle) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension DecodedLink {
    /// The link's `messaging.message.id`, when it has one.
    public var messageID: String? {
        if case .string(let id)? = attributes["messaging.message.id"] { return id }
        return nil
    }
}
