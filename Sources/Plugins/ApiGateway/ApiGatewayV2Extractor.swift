package import OtelHost
import OtelPluginSupport

/// API Gateway HTTP API (payload format 2.0) and Lambda Function URL events.
///
/// Recognised by `"version": "2.0"` with a `requestContext.http` object. The span is named
/// `{method} {route}` where the route is the route template (`/orders/{orderId}`); a `$default` route has no
/// template, so the span is named after the path and has no `http.route`.
package struct ApiGatewayV2Extractor: EventExtractor {
    /// Redacts sensitive query parameters in `url.query`.
    let redaction: QueryRedaction

    /// Creates the extractor.
    ///
    /// - Parameter redaction: Which query parameters to redact.
    package init(redaction: QueryRedaction = QueryRedaction()) {
        self.redaction = redaction
    }

    /// `apigateway-v2`.
    package var name: String { "apigateway-v2" }

    /// `version` is `2.0` and `requestContext.http` is an object.
    package func matches(_ event: EventValue) -> Bool {
        guard event["version"]?.stringValue == "2.0" else { return false }
        return event["requestContext"]?["http"]?.isObject == true
    }

    /// The HTTP server attributes of the request.
    package func extract(_ event: EventValue) -> ExtractedSpan {
        let context = event["requestContext"]
        let http = context?["http"]
        let headers = EventHeaders(json: event["headers"])
        return HTTPEventFields.requestSpan(
            headers: headers,
            method: http?["method"]?.stringValue,
            path: event["rawPath"]?.stringValue ?? http?["path"]?.stringValue,
            query: event["rawQueryString"]?.stringValue,
            scheme: "https",
            protocolVersion: HTTPEventFields.protocolVersion(http?["protocol"]?.stringValue),
            clientAddress: http?["sourceIp"]?.stringValue,
            userAgent: headers?.value(forHeader: "user-agent") ?? http?["userAgent"]?.stringValue,
            serverAddress: context?["domainName"]?.stringValue ?? headers?.value(forHeader: "host"),
            route: Self.routeTemplate(event["routeKey"]?.stringValue),
            redaction: redaction)
    }

    /// The route template of a route key: `GET /orders/{id}` → `/orders/{id}`; `$default` has none.
    static func routeTemplate(_ routeKey: String?) -> String? {
        guard let routeKey, !routeKey.isEmpty, routeKey != "$default" else { return nil }
        if let space = routeKey.firstIndex(of: " ") {
            let template = String(routeKey[routeKey.index(after: space)...])
            return template.isEmpty || template == "$default" ? nil : template
        }
        return routeKey
    }
}
