package import OtelHost
import OtelPluginSupport

/// API Gateway REST API (payload format 1.0) events.
///
/// Recognised by a string `httpMethod` with `requestContext.stage` or `requestContext.resourcePath` (and no
/// `requestContext.elb`, which marks ALB events). The span is named `{method} {resource}`.
package struct ApiGatewayV1Extractor: EventExtractor {
    /// Redacts sensitive query parameters in `url.query`.
    let redaction: QueryRedaction

    /// Creates the extractor.
    ///
    /// - Parameter redaction: Which query parameters to redact.
    package init(redaction: QueryRedaction = QueryRedaction()) {
        self.redaction = redaction
    }

    /// `apigateway-v1`.
    package var name: String { "apigateway-v1" }

    /// `httpMethod` with `requestContext.stage` or `requestContext.resourcePath`.
    package func matches(_ event: EventValue) -> Bool {
        guard event["httpMethod"]?.stringValue != nil, let context = event["requestContext"], context.isObject else {
            return false
        }
        guard context["elb"] == nil else { return false }
        return context["stage"]?.stringValue != nil || context["resourcePath"]?.stringValue != nil
    }

    /// The HTTP server attributes of the request.
    package func extract(_ event: EventValue) -> ExtractedSpan {
        let context = event["requestContext"]
        let identity = context?["identity"]
        let headers = HTTPEventFields.headers(event)
        return HTTPEventFields.requestSpan(
            headers: headers,
            method: event["httpMethod"]?.stringValue,
            path: event["path"]?.stringValue,
            query: HTTPEventFields.query(event, encode: true),
            scheme: "https",
            protocolVersion: HTTPEventFields.protocolVersion(context?["protocol"]?.stringValue),
            clientAddress: identity?["sourceIp"]?.stringValue,
            userAgent: headers?.value(forHeader: "user-agent") ?? identity?["userAgent"]?.stringValue,
            serverAddress: context?["domainName"]?.stringValue ?? headers?.value(forHeader: "host"),
            route: event["resource"]?.stringValue,
            redaction: redaction)
    }
}
