public import OtelHost
import Tracing

/// Application Load Balancer target-group events, single-value and multi-value forms.
///
/// Recognised by a `requestContext.elb` object. Query values arrive as the client sent them (ALB does not
/// decode them), so `url.query` is rebuilt without re-encoding. The span is named `{method} {path}`.
public struct ALBExtractor: EventExtractor {
    /// Redacts sensitive query parameters in `url.query`.
    public let redaction: QueryRedaction

    /// Creates the extractor.
    ///
    /// - Parameter redaction: Which query parameters to redact.
    public init(redaction: QueryRedaction = QueryRedaction()) {
        self.redaction = redaction
    }

    /// `alb`.
    public var name: String { "alb" }

    /// `requestContext.elb` is an object.
    public func matches(_ event: JSONValue) -> Bool {
        event["requestContext"]?["elb"]?.objectValue != nil
    }

    /// The HTTP server attributes of the request.
    public func extract(_ event: JSONValue) -> ExtractedSpan {
        let headers = HTTPEventFields.headers(event)
        var attributes = SpanAttributes()
        let method = event["httpMethod"]?.stringValue
        if let method { attributes.set("http.request.method", value: .string(method)) }
        let path = event["path"]?.stringValue
        if let path { attributes.set("url.path", value: .string(path)) }
        if let query = HTTPEventFields.query(event, encode: false) {
            attributes.set("url.query", value: .string(redaction.redact(query)))
        }
        let scheme = headers?.value(forHeader: "x-forwarded-proto")?.trimmingASCIIWhitespace().lowercased()
        attributes.set("url.scheme", value: .string(scheme.flatMap { $0.isEmpty ? nil : $0 } ?? "http"))
        attributes.set("network.protocol.version", value: "1.1")
        if let arn = event["requestContext"]?["elb"]?["targetGroupArn"]?.stringValue {
            attributes.set("alb.target_group_arn", value: .string(arn))
        }
        if let forwarded = headers?.value(forHeader: "x-forwarded-for"),
            let first = forwarded.split(separator: ",").first
        {
            let client = String(first).trimmingASCIIWhitespace()
            if !client.isEmpty { attributes.set("client.address", value: .string(client)) }
        }
        if let agent = headers?.value(forHeader: "user-agent") {
            attributes.set("user_agent.original", value: .string(agent))
        }
        if let host = headers?.value(forHeader: "host") { attributes.set("server.address", value: .string(host)) }
        let spanName = "\(method ?? "HTTP") \(path ?? "/")"
        return ExtractedSpan(spanName: spanName, kind: .server, attributes: attributes, carrier: headers, trigger: .http)
    }
}

/// Registers the ALB extractor.
public struct ALBPlugin: OtelPlugin {
    /// Creates the plugin.
    public init() {}

    /// Registers the extractor.
    public func register(into registry: inout PluginRegistry) {
        registry.registerExtractor(ALBExtractor(redaction: QueryRedaction.resolve(registry.environment)))
    }
}

extension OtelPlugin where Self == ALBPlugin {
    /// The ALB plugin.
    public static var alb: ALBPlugin { ALBPlugin() }
}
