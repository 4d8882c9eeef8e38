public import OtelHost
import OtelPluginSupport
import Tracing

/// Application Load Balancer target-group events, single-value and multi-value forms.
///
/// Recognised by a `requestContext.elb` object. Query values arrive as the client sent them (ALB does not
/// decode them), so `url.query` is rebuilt without re-encoding. The span is named `{method} {path}`.
package struct ALBExtractor: EventExtractor {
    /// Redacts sensitive query parameters in `url.query`.
    let redaction: QueryRedaction

    /// Creates the extractor.
    ///
    /// - Parameter redaction: Which query parameters to redact.
    package init(redaction: QueryRedaction = QueryRedaction()) {
        self.redaction = redaction
    }

    /// `alb`.
    package var name: String { "alb" }

    /// `requestContext.elb` is an object.
    package func matches(_ event: EventValue) -> Bool {
        event["requestContext"]?["elb"]?.isObject == true
    }

    /// The HTTP server attributes of the request.
    package func extract(_ event: EventValue) -> ExtractedSpan {
        let headers = HTTPEventFields.headers(event)
        var span = HTTPEventFields.requestSpan(
            headers: headers,
            method: event["httpMethod"]?.stringValue,
            path: event["path"]?.stringValue,
            query: HTTPEventFields.query(event, encode: false),
            scheme: Self.nonEmpty(headers?.value(forHeader: "x-forwarded-proto")?.lowercased()) ?? "http",
            protocolVersion: "1.1",
            clientAddress: Self.nonEmpty(headers?.value(forHeader: "x-forwarded-for")?.split(separator: ",").first),
            userAgent: headers?.value(forHeader: "user-agent"),
            serverAddress: headers?.value(forHeader: "host"),
            redaction: redaction)
        if let arn = event["requestContext"]?["elb"]?["targetGroupArn"]?.stringValue {
            span.attributes.set("alb.target_group_arn", value: .string(arn))
        }
        return span
    }

    /// The text without surrounding ASCII whitespace; `nil` when nothing is left.
    private static func nonEmpty<Text: StringProtocol>(_ text: Text?) -> String? {
        guard let trimmed = text.map({ String($0).trimmingASCIIWhitespace() }), !trimmed.isEmpty else { return nil }
        return trimmed
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
