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

    /// Parses the UTF-8 bytes of a `traceparent` value that comes without a `tracestate`, as ``extract(from:using:)``
    /// does: ASCII white space around it is ignored, the version must be `00`, the ids lowercase hex and non-zero.
    package static func parseTraceparent(utf8 value: UnsafeBufferPointer<UInt8>) -> OtelSpanContext? {
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        var start = 0, end = value.count
        while start < end, isSpace(value[start]) { start += 1 }
        while end > start, isSpace(value[end - 1]) { end -= 1 }
        guard end - start == 55, value[start] == UInt8(ascii: "0"), value[start + 1] == UInt8(ascii: "0"),
            value[start + 2] == UInt8(ascii: "-"), value[start + 35] == UInt8(ascii: "-"),
            value[start + 52] == UInt8(ascii: "-")
        else { return nil }
        guard let base = value.baseAddress.map(UnsafeRawPointer.init),
            let high = Hex.uint64(sixteenDigitsAt: base + start + 3, lowercaseOnly: true),
            let low = Hex.uint64(sixteenDigitsAt: base + start + 19, lowercaseOnly: true),
            let span = Hex.uint64(sixteenDigitsAt: base + start + 36, lowercaseOnly: true),
            let flagsHigh = Hex.nibble(value[start + 53], lowercaseOnly: true),
            let flagsLow = Hex.nibble(value[start + 54], lowercaseOnly: true)
        else { return nil }
        let flags = flagsHigh << 4 | flagsLow
        let context = OtelSpanContext(
            traceID: TraceID(high: high, low: low), spanID: SpanID(value: span),
            flags: TraceFlags(rawValue: UInt8(truncatingIfNeeded: flags)), traceState: "", isRemote: true)
        return context.isValid ? context : nil
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
