public import OtelHost
import Tracing

/// API Gateway REST API (payload format 1.0) events.
///
/// Recognised by a string `httpMethod` with `requestContext.stage` or `requestContext.resourcePath` (and no
/// `requestContext.elb`, which marks ALB events). The span is named `{method} {resource}`.
public struct ApiGatewayV1Extractor: EventExtractor {
    /// Redacts sensitive query parameters in `url.query`.
    public let redaction: QueryRedaction

    /// Creates the extractor.
    ///
    /// - Parameter redaction: Which query parameters to redact.
    public init(redaction: QueryRedaction = QueryRedaction()) {
        self.redaction = redaction
    }

    /// `apigateway-v1`.
    public var name: String { "apigateway-v1" }

    /// `httpMethod` with `requestContext.stage` or `requestContext.resourcePath`.
    public func matches(_ event: JSONValue) -> Bool {
        guard event["httpMethod"]?.stringValue != nil, let context = event["requestContext"]?.objectValue else {
            return false
        }
        guard context["elb"] == nil else { return false }
        return context["stage"]?.stringValue != nil || context["resourcePath"]?.stringValue != nil
    }

    /// The HTTP server attributes of the request.
    public func extract(_ event: JSONValue) -> ExtractedSpan {
        let context = event["requestContext"]
        let headers = HTTPEventFields.headers(event)
        var attributes = SpanAttributes()
        let method = event["httpMethod"]?.stringValue
        if let method { attributes.set("http.request.method", value: .string(method)) }
        let path = event["path"]?.stringValue
        if let path { attributes.set("url.path", value: .string(path)) }
        if let query = HTTPEventFields.query(event, encode: true) {
            attributes.set("url.query", value: .string(redaction.redact(query)))
        }
        attributes.set("url.scheme", value: "https")
        if let version = HTTPEventFields.protocolVersion(context?["protocol"]?.stringValue) {
            attributes.set("network.protocol.version", value: .string(version))
        }
        let identity = context?["identity"]
        if let ip = identity?["sourceIp"]?.stringValue { attributes.set("client.address", value: .string(ip)) }
        if let agent = headers?.value(forHeader: "user-agent") ?? identity?["userAgent"]?.stringValue {
            attributes.set("user_agent.original", value: .string(agent))
        }
        if let host = context?["domainName"]?.stringValue ?? headers?.value(forHeader: "host") {
            attributes.set("server.address", value: .string(host))
        }
        var route = event["resource"]?.stringValue
        if route?.isEmpty == true { route = nil }
        if let route { attributes.set("http.route", value: .string(route)) }
        let spanName = "\(method ?? "HTTP") \(route ?? path ?? "/")"
        return ExtractedSpan(spanName: spanName, kind: .server, attributes: attributes, carrier: headers, trigger: .http)
    }
}
