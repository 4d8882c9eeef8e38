import W3CTraceContext

/// W3C Trace Context: the `traceparent` and `tracestate` headers.
package struct W3CTraceContextPropagator: TracePropagator {
    /// Creates the propagator.
    package init() {}

    /// Parses `traceparent` (version `00`, non-zero ids) and `tracestate`.
    package func extract<Carrier: HeaderLookup>(from carrier: Carrier) -> OtelSpanContext? {
        guard let parent = carrier.value(forHeader: "traceparent") else { return nil }
        let state = carrier.value(forHeader: "tracestate")
        let trimmed = parent.trimmingASCIIWhitespace()
        // A malformed `tracestate` must not cost the parent: retry without it.
        let parsed =
            (try? TraceContext(traceParentHeaderValue: trimmed, traceStateHeaderValue: state))
            ?? (try? TraceContext(traceParentHeaderValue: trimmed, traceStateHeaderValue: nil))
        guard let context = parsed else { return nil }
        let spanContext = OtelSpanContext(
            traceID: context.traceID,
            spanID: context.spanID,
            flags: context.flags,
            traceState: context.traceStateHeaderValue ?? "",
            isRemote: true
        )
        return spanContext.isValid ? spanContext : nil
    }

    /// Writes `traceparent`, and `tracestate` when there is one.
    package func inject<Carrier: HeaderSink>(_ context: OtelSpanContext, into carrier: inout Carrier) {
        guard context.isValid else { return }
        let flags = context.flags.rawValue
        let hexDigits: [Character] = Array("0123456789abcdef")
        let flagsHex = String([hexDigits[Int(flags >> 4)], hexDigits[Int(flags & 0xF)]])
        carrier.setValue("00-\(context.traceID)-\(context.spanID)-\(flagsHex)", forHeader: "traceparent")
        if !context.traceState.isEmpty {
            carrier.setValue(context.traceState, forHeader: "tracestate")
        }
    }
}
