@_exported public import OtelPluginSupport
public import OtelHost
import Tracing

/// Registers ``OtlpStdoutSpanExporter`` as the exporter named `otlpstdout`.
public struct StdoutExporterPlugin: OtelPlugin {
    /// The registered name; `OTEL_TRACES_EXPORTER=otlpstdout` selects it.
    public static let exporterName = "otlpstdout"

    /// Creates the plugin.
    public init() {}

    /// Registers the exporter.
    public func register(into registry: inout PluginRegistry) {
        registry.registerExporter(named: Self.exporterName) { environment in
            OtlpStdoutSpanExporter(environment: environment)
        }
        registry.registerResourceDetector(StdoutExporterResourceDetector())
    }
}

/// Reports the exporter's compression level on the resource, when it is set and valid.
struct StdoutExporterResourceDetector: ResourceDetector {
    func detect(_ environment: OtelEnvironment) -> SpanAttributes {
        var attributes = SpanAttributes()
        if let raw = environment.nonEmpty("OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL"),
            let level = Int64(raw), (0...9).contains(level)
        {
            attributes.set("lambda_otel_lite.otlp_stdout_span_exporter.compression_level", value: .int64(level))
        }
        return attributes
    }
}
