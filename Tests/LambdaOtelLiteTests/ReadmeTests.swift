import LambdaOtelLite
import OtelHostTesting
import Testing

// The README's testing snippet, as it stands there.
@Test func ordersAreTraced() async throws {
    let record = try await invokeOnce(sampleEvent("apigw_v2_http.json"), plugins: .defaults) { _ in
        withSpan("load order") { span in span.attributes["order.id"] = "42" }
        return "ok"
    }
    #expect(record.invocationSpan?.string("http.route") == "/orders/{orderId}")
    #expect(record.span(named: "load order")?.string("order.id") == "42")
    #expect(record.span(named: "load order")?.parentSpanID == record.invocationSpan?.spanID)
}

/// A shell's exporter or sampler settings never reach `invokeOnce`.
@Test func invokeOnceSeesOnlyItsOwnEnvironment() async throws {
    let record = try await invokeOnce(
        sampleEvent("sqs_batch.json"), plugins: .defaults, environment: ["OTEL_SPAN_LINK_COUNT_LIMIT": "1"]
    ) { context in context.requestID }
    #expect(record.output == record.requestID)
    #expect(record.invocationSpan?.string("faas.trigger") == "pubsub")
    #expect(record.invocationSpan?.links.count == 1)
}
