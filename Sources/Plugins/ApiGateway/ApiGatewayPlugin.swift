public import OtelHost
import OtelPluginSupport

/// Registers the API Gateway extractors: HTTP API / Function URL (payload 2.0), then REST (payload 1.0).
///
/// Each request becomes a SERVER span with the HTTP server attributes, named `{method} {route}`, with trigger
/// `http` and the request headers as the carrier of its parent context. The parameters of
/// `OTEL_LITE_REDACTED_QUERY_PARAMETERS` are redacted in `url.query`.
public struct ApiGatewayPlugin: OtelPlugin {
    /// Creates the plugin.
    public init() {}

    /// Registers both extractors.
    public func register(into registry: inout PluginRegistry) {
        let redaction = QueryRedaction.resolve(registry.environment)
        registry.registerExtractor(ApiGatewayEvents.v2(redaction: redaction))
        registry.registerExtractor(ApiGatewayEvents.v1(redaction: redaction))
    }
}
