public import OtelHost
package import OtelPluginSupport
import Tracing

/// Registers the extractor of Application Load Balancer target-group events, single-value and multi-value forms.
///
/// They are recognised by a `requestContext.elb` object. Query values arrive as the client sent them (ALB does not
/// decode them), so `url.query` is rebuilt without re-encoding. The span is named `{method} {path}` and carries
/// `alb.target_group_arn`. The parameters of `OTEL_LITE_REDACTED_QUERY_PARAMETERS` are redacted in `url.query`.
public struct ALBPlugin: OtelPlugin {
    /// Creates the plugin.
    public init() {}

    /// Registers the extractor.
    public func register(into registry: inout PluginRegistry) {
        registry.registerExtractor(ALBEvents.extractor(redaction: QueryRedaction.resolve(registry.environment)))
    }
}

/// Application Load Balancer target-group events.
package enum ALBEvents {
    /// The extractor of ALB events.
    ///
    /// - Parameter redaction: Which query parameters to redact.
    package static func extractor(redaction: QueryRedaction = QueryRedaction()) -> HTTPEventExtractor {
        HTTPEventExtractor(name: "alb", redaction: redaction, recognises: isALBEvent, fields: request)
    }

    /// `requestContext.elb` is an object.
    static func isALBEvent(_ event: EventValue) -> Bool {
        event["requestContext"]?["elb"]?.isObject == true
    }

    /// The request of an ALB event.
    static func request(_ event: EventValue) -> HTTPRequestFields {
        let headers = HTTPEventFields.headers(event)
        var extra = SpanAttributes()
        if let arn = event["requestContext"]?["elb"]?["targetGroupArn"]?.stringValue {
            extra.set("alb.target_group_arn", value: .string(arn))
        }
        return HTTPRequestFields(
            headers: headers,
            method: event["httpMethod"]?.stringValue,
            path: event["path"]?.stringValue,
            query: HTTPEventFields.query(event, encode: false),
            scheme: nonEmpty(headers?.value(forHeader: "x-forwarded-proto")?.lowercased()) ?? "http",
            protocolVersion: "1.1",
            clientAddress: nonEmpty(headers?.value(forHeader: "x-forwarded-for")?.split(separator: ",").first),
            userAgent: headers?.value(forHeader: "user-agent"),
            serverAddress: headers?.value(forHeader: "host"),
            extra: extra)
    }

    /// The text without surrounding ASCII whitespace; `nil` when nothing is left.
    private static func nonEmpty<Text: StringProtocol>(_ text: Text?) -> String? {
        guard let trimmed = text.map({ String($0).trimmingASCIIWhitespace() }), !trimmed.isEmpty else { return nil }
        return trimmed
    }
}
