public import OtelHost
import OtelStdoutExporter
@_exported public import OtlpStdoutDecoding

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one invocation run by ``invokeOnce(_:plugins:environment:traceHeader:tenantID:handler:)`` exported, read
/// back from the otlp-stdout lines it wrote.
public struct InvocationRecord<Output: Sendable>: Sendable {
    /// What the handler returned.
    public let output: Output
    /// The otlp-stdout lines, as CloudWatch Logs would receive them.
    public let lines: [String]
    /// Every exported span, decoded, in order.
    public let spans: [DecodedSpan]
    /// The invocation's request id.
    public let requestID: String

    /// The invocation span (the one whose `faas.invocation_id` is this invocation's).
    public var invocationSpan: DecodedSpan? {
        spans.first { $0.attributes["faas.invocation_id"] == .string(requestID) }
    }

    /// The span named `name`, if one was exported.
    public func span(named name: String) -> DecodedSpan? {
        spans.first { $0.name == name }
    }
}

/// Runs `handler` once as a traced invocation of `event` and returns what it exported, decoded.
///
/// The telemetry is made for this call alone: the otlp-stdout exporter writing into memory, the given plugins
/// (pass `.defaults` for the built-in extractors), and only the environment given here — a shell's
/// `OTEL_TRACES_EXPORTER` or sampler never changes what a test sees. The event goes through detection and
/// extraction as the runtime's bytes would; spans made with `withSpan` inside `handler` nest under the invocation
/// span; a thrown error is recorded on the span and rethrown.
///
/// ```swift
/// let record = try await invokeOnce(sampleEvent("apigw_v2_http.json"), plugins: .defaults) { _ in
///     try await withSpan("load order") { _ in try await orders.load("42") }
/// }
/// #expect(record.invocationSpan?.string("http.route") == "/orders/{orderId}")
/// #expect(record.invocationSpan?.int("http.response.status_code") == nil)
/// ```
///
/// - Parameters:
///   - event: The event, as JSON text.
///   - plugins: The plugins (extractors and the like).
///   - environment: The environment variables the telemetry sees (limits, sampler, propagators).
///   - traceHeader: The runtime's X-Ray trace header for the invocation (`Lambda-Runtime-Trace-Id`).
///   - tenantID: The invocation's tenant.
///   - handler: The handler, given the invocation.
/// - Returns: The handler's output and the decoded spans.
/// - Throws: What `handler` throws, or a decoding failure of the exporter's output.
public func invokeOnce<Output: Sendable>(
    _ event: String,
    plugins: [any OtelPlugin],
    environment: [String: String] = [:],
    traceHeader: String? = nil,
    tenantID: String? = nil,
    handler: (InvocationContext) async throws -> Output
) async throws -> InvocationRecord<Output> {
    let output = BufferLineOutput()
    var values = ["AWS_LAMBDA_FUNCTION_NAME": "test-function", "AWS_REGION": "us-east-1"]
    values.merge(environment) { _, new in new }
    let exporterPlugin = ClosurePlugin { registry in
        registry.registerExporter(named: "invoke-once") { environment in
            OtlpStdoutSpanExporter(output: output, environment: environment)
        }
    }
    let telemetry = await LambdaTelemetry.make(
        configuration: OtelConfiguration(exporter: "invoke-once"), plugins: [exporterPlugin] + plugins,
        environment: OtelEnvironment(values))
    var context = InvocationContext.fake(traceHeader: traceHeader)
    context.tenantID = tenantID
    let invocation = context
    let extracted = telemetry.extract(rawEvent: Array(event.utf8))
    let result: Result<Output, any Error>
    do {
        result = .success(try await telemetry.traceInvocation(invocation, extracted: extracted) { _ in
            try await handler(invocation)
        })
    } catch {
        result = .failure(error)
    }
    await telemetry.tracer.flush()
    let lines = output.takeLines()
    var spans: [DecodedSpan] = []
    for line in lines {
        spans += try OtlpStdoutLine(decoding: line).request.allSpans.map(\.span)
    }
    return InvocationRecord(output: try result.get(), lines: lines, spans: spans, requestID: invocation.requestID)
}

/// The text of a sample event in the package's `Examples/Events/` folder, or an empty object when it cannot be read.
///
/// - Parameters:
///   - name: The file name, such as `apigw_v2_http.json`.
///   - folder: The folder; the package's `Examples/Events` by default.
/// - Returns: The event's JSON text.
public func sampleEvent(_ name: String, folder: String = SampleEventFolder.path) -> String {
    guard let handle = fopen(folder + "/" + name, "r") else { return "{}" }
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

/// Where the package's sample events are.
public enum SampleEventFolder {
    /// `Examples/Events` in this package's checkout.
    public static let path: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path + "/Examples/Events"
    }()
}

extension DecodedSpan {
    /// A string attribute, or `nil` when it is missing or not a string.
    public func string(_ key: String) -> String? {
        if case .string(let value)? = attributes[key] { return value }
        return nil
    }

    /// An integer attribute, or `nil` when it is missing or not an integer.
    public func int(_ key: String) -> Int? {
        if case .int(let value)? = attributes[key] { return Int(value) }
        return nil
    }

    /// A Boolean attribute, or `nil` when it is missing or not a Boolean.
    public func bool(_ key: String) -> Bool? {
        if case .bool(let value)? = attributes[key] { return value }
        return nil
    }

    /// A floating-point attribute, or `nil` when it is missing or not a double.
    public func double(_ key: String) -> Double? {
        if case .double(let value)? = attributes[key] { return value }
        return nil
    }
}
