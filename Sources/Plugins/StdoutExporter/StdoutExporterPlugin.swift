public import OtelHost

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
    }
}

extension OtelPlugin where Self == StdoutExporterPlugin {
    /// The otlp-stdout exporter plugin.
    public static var stdoutExporter: StdoutExporterPlugin { StdoutExporterPlugin() }
}
