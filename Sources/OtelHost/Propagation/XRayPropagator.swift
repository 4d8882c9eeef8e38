import W3CTraceContext
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// AWS X-Ray: the `X-Amzn-Trace-Id` header, `Root=1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx;Parent=…;Sampled=0|1`.
public struct XRayPropagator: TracePropagator {
    /// The header name.
    public static let headerName = "x-amzn-trace-id"

    /// Creates the propagator.
    public init() {}

    /// Parses the X-Ray header of the carrier.
    public func extract<Carrier: HeaderLookup>(from carrier: Carrier) -> OtelSpanContext? {
        carrier.value(forHeader: Self.headerName).flatMap(Self.parse)
    }

    /// Writes `X-Amzn-Trace-Id`.
    public func inject<Carrier: HeaderSink>(_ context: OtelSpanContext, into carrier: inout Carrier) {
        guard context.isValid else { return }
        carrier.setValue(Self.format(context), forHeader: "X-Amzn-Trace-Id")
    }

    /// Parses an X-Ray trace header; `nil` when it has no valid `Root` and `Parent`.
    ///
    /// A missing `Sampled` field means not sampled, as in the upstream propagators.
    public static func parse(_ header: String) -> OtelSpanContext? {
        var traceID: TraceID?
        var spanID: SpanID?
        var sampled = false
        for part in header.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: true) {
            guard let eq = part.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = String(decoding: part[part.startIndex..<eq], as: UTF8.self).trimmingASCIIWhitespace().lowercased()
            let value = String(decoding: part[part.index(after: eq)...], as: UTF8.self).trimmingASCIIWhitespace()
            switch key {
            case "root":
                // 1-<8 hex epoch>-<24 hex>
                let bytes = Array(value.utf8)
                guard bytes.count == 35, bytes[0] == UInt8(ascii: "1"), bytes[1] == UInt8(ascii: "-"),
                    bytes[10] == UInt8(ascii: "-")
                else { return nil }
                traceID = Hex.traceID(Array(bytes[2..<10] + bytes[11..<35]))
                if traceID == nil { return nil }
            case "parent":
                spanID = Hex.spanID(Array(value.utf8))
                if spanID == nil { return nil }
            case "sampled":
                sampled = value == "1"
            default:
                continue
            }
        }
        guard let traceID, let spanID else { return nil }
        let context = OtelSpanContext(
            traceID: traceID, spanID: spanID, flags: sampled ? .sampled : [], traceState: "", isRemote: true)
        return context.isValid ? context : nil
    }

    /// The X-Ray header for a span context.
    public static func format(_ context: OtelSpanContext) -> String {
        let hex = context.traceID.description
        let epoch = hex.prefix(8)
        let rest = hex.dropFirst(8)
        return "Root=1-\(epoch)-\(rest);Parent=\(context.spanID);Sampled=\(context.isSampled ? "1" : "0")"
    }
}

/// X-Ray for Lambda: the carrier's `X-Amzn-Trace-Id`, else the invocation's trace header from the runtime, else
/// the `_X_AMZN_TRACE_ID` environment variable.
///
/// The fallbacks are skipped when they say `Sampled=0`: Lambda sets that value even when active tracing is off,
/// and honouring it would suppress every span.
public struct XRayLambdaPropagator: TracePropagator {
    private let xray = XRayPropagator()

    /// Creates the propagator.
    public init() {}

    /// The carrier's X-Ray context, else a sampled Lambda trace header.
    public func extract<Carrier: HeaderLookup>(from carrier: Carrier) -> OtelSpanContext? {
        if let fromCarrier = xray.extract(from: carrier) { return fromCarrier }
        let fallback = carrier.lambdaTraceHeader ?? Self.environmentTraceHeader()
        guard let fallback, !fallback.contains("Sampled=0") else { return nil }
        guard let context = XRayPropagator.parse(fallback), context.isSampled else { return nil }
        return context
    }

    /// Writes `X-Amzn-Trace-Id`.
    public func inject<Carrier: HeaderSink>(_ context: OtelSpanContext, into carrier: inout Carrier) {
        xray.inject(context, into: &carrier)
    }

    private static func environmentTraceHeader() -> String? {
        guard let raw = getenv("_X_AMZN_TRACE_ID") else { return nil }
        return String(cString: raw)
    }
}
