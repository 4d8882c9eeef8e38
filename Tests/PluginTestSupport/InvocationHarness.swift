// The one place where the event-source plugin tests drive an invocation: the testing product's `invokeOnce`
// (telemetry with the otlp-stdout exporter writing to memory, extraction, the invocation span, the lines decoded).

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
    var values = ["AWS_LAMBDA_FUNCTION_NAME": "plugin-tests", "OTEL_SERVICE_NAME": "plugin-tests"]
    values.merge(environment) { _, new in new }
    let record = try await invokeOnce(event, plugins: plugins, environment: values, traceHeader: traceHeader) { _ in
        "handled"
    }
    return ExportedInvocation(lines: record.lines, spans: record.spans, requestID: record.requestID)
}

/// The text of a sample event in `Examples/Events/`.
public func exampleEvent(_ name: String) throws -> String {
    guard access(SampleEventFolder.path + "/" + name, R_OK) == 0 else {
        throw HarnessError(description: "cannot read \(SampleEventFolder.path)/\(name)")
    }
    return sampleEvent(name)
}

extension DecodedLink {
    /// The link's `messaging.message.id`, when it has one.
    public var messageID: String? {
        if case .string(let id)? = attributes["messaging.message.id"] { return id }
        return nil
    }
}
