import OtelEventBridge
import OtelHost
import OtlpStdoutDecoding
import PluginTestSupport
import Testing
import Tracing

struct EventBridgeTests {
    func run(_ event: String, traceHeader: String? = nil) async throws -> DecodedSpan {
        let exported = try await invoke(event, plugins: [EventBridgePlugin()], traceHeader: traceHeader)
        #expect(exported.spans.count == 1)
        return try #require(exported.invocationSpans.first)
    }

    @Test func scheduledRuleIsATimer() async throws {
        let span = try await run(try exampleEvent("eventbridge_scheduled.json"))
        #expect(span.name == "nightly-report scheduled")
        #expect(span.kindName == "SERVER")
        let a = span.attributes
        #expect(a["faas.trigger"] == .string("timer"))
        #expect(a["faas.time"] == .string("2024-05-01T12:00:00Z"))
        #expect(a["aws.eventbridge.source"] == .string("aws.events"))
        #expect(a["aws.eventbridge.detail_type"] == .string("Scheduled Event"))
        #expect(a["aws.eventbridge.rule"] == .string("nightly-report"))
        #expect(span.links.isEmpty)
    }

    @Test func schedulerAndCustomBusRulesInOtherPartitions() async throws {
        let scheduler = #"""
        {"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.scheduler","account":"123456789012",
         "time":"2024-05-02T03:04:05Z","region":"cn-north-1",
         "resources":["arn:aws-cn:scheduler:cn-north-1:123456789012:schedule/default/hourly-sync"],"detail":"{}"}
        """#
        let span = try await run(scheduler)
        #expect(span.name == "hourly-sync scheduled")
        #expect(span.attributes["faas.trigger"] == .string("timer"))
        #expect(span.attributes["faas.time"] == .string("2024-05-02T03:04:05Z"))

        let busRule = #"""
        {"version":"0","id":"2","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012",
         "time":"2024-05-02T03:04:05Z","region":"us-gov-west-1",
         "resources":["arn:aws-us-gov:events:us-gov-west-1:123456789012:rule/ops-bus/cleanup"],"detail":{}}
        """#
        #expect(try await run(busRule).name == "cleanup scheduled")
    }

    @Test func customEventIsPubSubNamedAfterItsDetailType() async throws {
        let header = "Root=1-6631a0c0-0123456789abcdef01234567;Parent=89abcdef01234567;Sampled=1"
        let span = try await run(try exampleEvent("eventbridge_custom.json"), traceHeader: header)
        #expect(span.name == "Order Placed")
        #expect(span.kindName == "CONSUMER")
        let a = span.attributes
        #expect(a["faas.trigger"] == .string("pubsub"))
        #expect(a["faas.time"] == nil)
        #expect(a["aws.eventbridge.source"] == .string("com.example.orders"))
        #expect(a["aws.eventbridge.detail_type"] == .string("Order Placed"))
        // A table among the resources is not a rule.
        #expect(a["aws.eventbridge.rule"] == nil)
        #expect(span.parentSpanID == "89abcdef01234567")
    }

    @Test func aScheduledEventFromAnotherSourceIsNotATimer() async throws {
        let span = try await run(#"{"detail-type":"Scheduled Event","source":"com.example","detail":{},"resources":[]}"#)
        #expect(span.name == "Scheduled Event")
        #expect(span.attributes["faas.trigger"] == .string("pubsub"))
    }

    @Test func shapeDetection() throws {
        let extractor = EventBridgeExtractor()
        #expect(extractor.matches(try JSONValue(parsing: #"{"detail-type":"x","source":"y","detail":null}"#)))
        #expect(!extractor.matches(try JSONValue(parsing: #"{"detail-type":"x","source":"y"}"#)))
        #expect(!extractor.matches(try JSONValue(parsing: #"{"detail-type":1,"source":"y","detail":{}}"#)))
        #expect(!extractor.matches(try JSONValue(parsing: #"{"Records":[]}"#)))
        let odd = extractor.extract(try JSONValue(parsing: #"{"detail-type":"","source":"aws.events","detail":{},"resources":[1,"arn:aws:events:us-east-1:1:rule/"]}"#))
        #expect(odd.spanName == nil)
        #expect(odd.attributes.get("aws.eventbridge.rule") == nil)
    }
}
