package import OtelHost
package import OtelPluginSupport

/// API Gateway events: HTTP API (payload format 2.0) and Lambda Function URL events, and REST API (payload format
/// 1.0) events.
package enum ApiGatewayEvents {
    /// The extractor of HTTP API and Function URL events.
    ///
    /// They are recognised by `"version": "2.0"` with a `requestContext.http` object. The span is named
    /// `{method} {route}` where the route is the route template (`/orders/{orderId}`); a `$default` route has no
    /// template, so the span is named after the path and has no `http.route`.
    ///
    /// - Parameter redaction: Which query parameters to redact.
    package static func v2(redaction: QueryRedaction = QueryRedaction()) -> HTTPEventExtractor {
        HTTPEventExtractor(name: "apigateway-v2", redaction: redaction, recognises: isV2, fields: v2Request)
    }

    /// The extractor of REST API events.
    ///
    /// They are recognised by a string `httpMethod` with `requestContext.stage` or `requestContext.resourcePath`
    /// (and no `requestContext.elb`, which marks ALB events). The span is named `{method} {resource}`.
    ///
    /// - Parameter redaction: Which query parameters to redact.
    package static func v1(redaction: QueryRedaction = QueryRedaction()) -> HTTPEventExtractor {
        HTTPEventExtractor(name: "apigateway-v1", redaction: redaction, recognises: isV1, fields: v1Request)
    }

    /// `version` is `2.0` and `requestContext.http` is an object.
    static func isV2(_ event: EventValue) -> Bool {
        guard event["version"]?.stringValue == "2.0" else { return false }
        return event["requestContext"]?["http"]?.isObject == true
    }

    /// The request of an HTTP API or Function URL event.
    static func v2Request(_ event: EventValue) -> HTTPRequestFields {
        let context = event["requestContext"]
        let http = context?["http"]
        let headers = EventHeaders(json: event["headers"])
        return HTTPRequestFields(
            headers: headers,
            method: http?["method"]?.stringValue,
            path: event["rawPath"]?.stringValue ?? http?["path"]?.stringValue,
            query: event["rawQueryString"]?.stringValue,
            scheme: "https",
            protocolVersion: HTTPEventFields.protocolVersion(http?["protocol"]?.stringValue),
            clientAddress: http?["sourceIp"]?.stringValue,
            userAgent: headers?.value(forHeader: "user-agent") ?? http?["userAgent"]?.stringValue,
            serverAddress: context?["domainName"]?.stringValue ?? headers?.value(forHeader: "host"),
            route: routeTemplate(event["routeKey"]?.stringValue))
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

    /// `httpMethod` with `requestContext.stage` or `requestContext.resourcePath`.
    static func isV1(_ event: EventValue) -> Bool {
        guard event["httpMethod"]?.stringValue != nil, let context = event["requestContext"], context.isObject else {
            return false
        }
        guard context["elb"] == nil else { return false }
        return context["stage"]?.stringValue != nil || context["resourcePath"]?.stringValue != nil
    }

    /// The request of a REST API event.
    static func v1Request(_ event: EventValue) -> HTTPRequestFields {
        let context = event["requestContext"]
        let identity = context?["identity"]
        let headers = HTTPEventFields.headers(event)
        return HTTPRequestFields(
            headers: headers,
            method: event["httpMethod"]?.stringValue,
            path: event["path"]?.stringValue,
            query: HTTPEventFields.query(event, encode: true),
            scheme: "https",
            protocolVersion: HTTPEventFields.protocolVersion(context?["protocol"]?.stringValue),
            clientAddress: identity?["sourceIp"]?.stringValue,
            userAgent: headers?.value(forHeader: "user-agent") ?? identity?["userAgent"]?.stringValue,
            serverAddress: context?["domainName"]?.stringValue ?? headers?.value(forHeader: "host"),
            route: event["resource"]?.stringValue)
    }
}
