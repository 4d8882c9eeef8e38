package import Instrumentation
import W3CTraceContext

/// W3C Trace Context: the `traceparent` and `tracestate` headers.
package struct W3CTraceContextPropagator: TracePropagator {
    /// Creates the propagator.
    package init() {}

    /// Parses `traceparent` (version `00`, non-zero ids) and `tracestate`.
    package func extract<Extract: Extractor>(from carrier: Extract.Carrier, using extractor: Extract) -> OtelSpanContext? {
        guard let parent = extractor.extract(key: "traceparent", from: carrier) else { return nil }
        let state = extractor.extract(key: "tracestate", from: carrier)
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
    package func inject<Inject: Injector>(
        _ context: OtelSpanContext, into carrier: inout Inject.Carrier, using injector: Inject
    ) {
        guard context.isValid else { return }
        let flags = context.flags.rawValue
        let hexDigits: [Character] = Array("0123456789abcdef")
        let flagsHex = String([hexDigits[Int(flags >> 4)], hexDigits[Int(flags & 0xF)]])
        injector.inject("00-\(context.traceID)-\(context.spanID)-\(flagsHex)", forKey: "traceparent", into: &carrier)
        if !context.traceState.isEmpty {
            injector.inject(context.traceState, forKey: "tracestate", into: &carrier)
        }
    }
}
