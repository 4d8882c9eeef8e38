public import OtelHost
import OtelPluginSupport
import Tracing

/// Amazon EventBridge events, and the scheduled events of EventBridge rules and EventBridge Scheduler.
///
/// Recognised by top-level `detail-type` and `source` strings and a `detail` member. A scheduled event (`source`
/// `aws.events` or `aws.scheduler`, `detail-type` `Scheduled Event`) gives a span named `{rule} scheduled` with
/// trigger `timer` and `faas.time`; any other event a CONSUMER span named after its `detail-type`, with trigger
/// `pubsub`. Both carry `aws.eventbridge.source`, `aws.eventbridge.detail_type` and, when one of the `resources`
/// is a rule or schedule ARN, its name as `aws.eventbridge.rule`.
public struct EventBridgeExtractor: EventExtractor, OtelPlugin {
    /// Creates the extractor.
    public init() {}

    /// `eventbridge`.
    public var name: String { "eventbridge" }

    /// `detail-type` and `source` are strings and `detail` is present.
    public func matches(_ event: EventValue) -> Bool {
        guard event.isObject else { return false }
        return event["detail-type"]?.stringValue != nil && event["source"]?.stringValue != nil
            && event["detail"] != nil
    }

    /// The event's attributes; a timer trigger for scheduled events.
    public func extract(_ event: EventValue) -> ExtractedSpan {
        let detailType = event["detail-type"]?.stringValue ?? ""
        let source = event["source"]?.stringValue ?? ""
        var attributes = SpanAttributes()
        attributes.set("aws.eventbridge.source", value: .string(source))
        attributes.set("aws.eventbridge.detail_type", value: .string(detailType))
        let rule = Self.ruleName(event["resources"])
        if let rule { attributes.set("aws.eventbridge.rule", value: .string(rule)) }

        let scheduled = detailType == "Scheduled Event" && (source == "aws.events" || source == "aws.scheduler")
        if scheduled {
            if let time = event["time"]?.stringValue { attributes.set("faas.time", value: .string(time)) }
            return ExtractedSpan(
                spanName: rule.map { "\($0) scheduled" } ?? "scheduled", kind: .server, attributes: attributes,
                carrier: nil, trigger: .timer)
        }
        return ExtractedSpan(
            spanName: detailType.isEmpty ? nil : detailType, kind: .consumer, attributes: attributes, carrier: nil,
            trigger: .pubsub)
    }

    /// The name of the first rule (`events` … `rule/[bus/]name`) or schedule (`scheduler` …
    /// `schedule/group/name`) among the event's resources.
    static func ruleName(_ resources: EventValue?) -> String? {
        guard let values = resources?.elements else { return nil }
        for value in values {
            guard let text = value.stringValue, let arn = AmazonResourceName(text) else { continue }
            let isRule = arn.service == "events" && arn.resource.hasPrefix("rule/")
            let isSchedule = arn.service == "scheduler" && arn.resource.hasPrefix("schedule/")
            if isRule || isSchedule, let name = arn.lastPathComponent { return name }
        }
        return nil
    }
}

/// The EventBridge plugin: the extractor, which registers itself.
public typealias EventBridgePlugin = EventBridgeExtractor
