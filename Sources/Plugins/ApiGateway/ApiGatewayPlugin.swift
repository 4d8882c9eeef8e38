public import OtelHost

/// Registers the API Gateway extractors: HTTP API / Function URL (payload 2.0), then REST (payload 1.0).
public struct ApiGatewayPlugin: OtelPlugin {
    /// Creates the plugin.
    public init() {}

    /// Registers both extractors.
    public func register(into registry: inout PluginRegistry) {
        let redaction = QueryRedaction.resolve(registry.environment)
        registry.registerExtractor(ApiGatewayV2Extractor(redaction: redaction))
        registry.registerExtractor(ApiGatewayV1Extractor(redaction: redaction))
    }
}
