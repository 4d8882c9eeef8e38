import Tracing

/// The configuration as resolved once at start-up, from code, the environment and the registry.
public struct ResolvedConfiguration: Sendable {
    /// The processing mode that runs (after any fallback).
    public let processingMode: ProcessingModeName
    /// The processing mode that was asked for.
    public let requestedProcessingMode: ProcessingModeName
    /// Whether the mode registered an internal extension with the Extensions API.
    public let extensionRegistered: Bool
    /// The queue size of the Lambda span processor; `nil` when the configuration supplies its own processors.
    public let queueSize: Int?
    /// The name of the selected exporter (`none` when spans are not exported, `custom` with your own processors).
    public let exporter: String
    /// The span limits.
    public let spanLimits: SpanLimits
    /// The Runtime API address (`AWS_LAMBDA_RUNTIME_API`), when there is one.
    public let runtimeAPI: String?
    /// Whether the function runs on Lambda Managed Instances (`AWS_LAMBDA_INITIALIZATION_TYPE`).
    public let isManagedInstances: Bool

    /// The resource attributes that describe this configuration.
    var resourceAttributes: SpanAttributes {
        var attributes = SpanAttributes()
        attributes.set("lambda_otel_lite.extension.span_processor_mode", value: .string(processingMode.rawValue))
        if let queueSize {
            attributes.set("lambda_otel_lite.lambda_span_processor.queue_size", value: .int64(Int64(queueSize)))
        }
        return attributes
    }

    /// The start-up diagnostic line.
    var startupLine: String {
        var line = "telemetry started: mode=\(processingMode)"
        if processingMode != requestedProcessingMode { line += " (asked for \(requestedProcessingMode))" }
        if isManagedInstances { line += ", Managed Instances" }
        if processingMode == .async || processingMode == .finalize || processingMode == .background {
            line += extensionRegistered ? ", extension registered" : ", no extension"
        }
        if processingMode == .background { line += ", exporting in the background" }
        line += ", exporter=\(exporter)"
        if let queueSize { line += ", queue=\(queueSize)" }
        return line
    }
}
