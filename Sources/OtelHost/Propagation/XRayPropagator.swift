package import Instrumentation
import W3CTraceContext
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// AWS X-Ray: the `X-Amzn-Trace-Id` header, `Root=1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx;Parent=…;Sampled=0|1|?`.
///
/// As a parent, a header is read by its `Sampled` field:
/// - `Sampled=1`: a sampled parent.
/// - `Sampled=?`, no `Sampled`, or any other value: the sender left the decision to the receiver. The trace is
///   continued (its trace id and parent span id) with ``OtelSpanContext/isSamplingDeferred`` set, so the
///   sampler decides as it does for a root span.
/// - `Sampled=0`: not used as a parent, the rule `xray-lambda` applies to the Lambda trace header; the next
///   propagator's context, or a new trace, is used instead. Lambda and API Gateway send `Sampled=0` whenever
///   X-Ray tracing is off, and honouring it would make every invocation vanish.
///
/// Every valid header, whatever its `Sampled` field, makes a span link: see
/// `SpanLink.fromXRayHeader(_:attributes:)`.
package struct XRayPropagator: TracePropagator {
    /// The header name.
    package static let headerName = "x-amzn-trace-id"

    /// Creates the propagator.
    package init() {}

    /// The parent context of the carrier's X-Ray header; `nil` when it is missing, malformed or says `Sampled=0`.
    /// Carriers whose names are case-sensitive are asked for `X-Amzn-Trace-Id` too.
    package func extract<Extract: Extractor>(from carrier: Extract.Carrier, using extractor: Extract) -> OtelSpanContext? {
        let header =
            extractor.extract(key: Self.headerName, from: carrier)
            ?? extractor.extract(key: "X-Amzn-Trace-Id", from: carrier)
        return header.flatMap(Self.parent)
    }

    /// Writes `X-Amzn-Trace-Id`.
    package func inject<Inject: Injector>(
        _ context: OtelSpanContext, into carrier: inout Inject.Carrier, using injector: Inject
    ) {
        guard context.isValid else { return }
        injector.inject(Self.format(context), forKey: "X-Amzn-Trace-Id", into: &carrier)
    }

    /// The context of a header as a parent: `nil` when it is malformed or says `Sampled=0`.
    static func parent(_ header: String) -> OtelSpanContext? {
        guard let context = parse(header), context.isSampled || context.isSamplingDeferred else { return nil }
        return context
    }

    /// Parses an X-Ray trace header; `nil` when it has no valid `Root` and `Parent`.
    ///
    /// `Sampled=1` gives the `TraceFlags.sampled` flag; `Sampled=0` gives no flag; `Sampled=?`, a missing
    /// `Sampled` or any other value gives no flag and ``OtelSpanContext/isSamplingDeferred``. The context is
    /// remote.
    package static func parse(_ header: String) -> OtelSpanContext? {
        var traceID: TraceID?
        var spanID: SpanID?
        var sampled: Bool?
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
                switch value {
                case "1": sampled = true
                case "0": sampled = false
                default: sampled = nil
                }
            default:
                continue
            }
        }
        guard let traceID, let spanID else { return nil }
        let context = OtelSpanContext(
            traceID: traceID, spanID: spanID, flags: sampled == true ? .sampled : [], traceState: "", isRemote: true,
            isSamplingDeferred: sampled == nil)
        return context.isValid ? context : nil
    }

    /// The X-Ray header for a span context.
    package static func format(_ context: OtelSpanContext) -> String {
        let hex = context.traceID.description
        let epoch = hex.prefix(8)
        let rest = hex.dropFirst(8)
        return "Root=1-\(epoch)-\(rest);Parent=\(context.spanID);Sampled=\(context.isSampled ? "1" : "0")"
    }
}

/// X-Ray for Lambda: the carrier's `X-Amzn-Trace-Id`, else the invocation's trace header from the runtime, else
/// the `_X_AMZN_TRACE_ID` environment variable — except on Lambda Managed Instances, where several invocations run
/// at once and a process-wide value never speaks for one of them.
///
/// Each source is read as ``XRayPropagator`` reads a header: a source that says `Sampled=0` is skipped (Lambda
/// sets that value even when active tracing is off, and honouring it would suppress every span), and one that
/// says `Sampled=?` or nothing continues its trace with the decision left to the sampler.
package struct XRayLambdaPropagator: TracePropagator {
    private let xray = XRayPropagator()
    private let readsEnvironment: Bool
    private let environmentTraceHeader: @Sendable () -> String?

    /// Creates the propagator.
    ///
    /// - Parameter readsEnvironment: Whether `_X_AMZN_TRACE_ID` is the last source; `false` on Managed Instances.
    package init(readsEnvironment: Bool = true) {
        self.init(readsEnvironment: readsEnvironment, environmentTraceHeader: Self.processTraceHeader)
    }

    /// Whether `_X_AMZN_TRACE_ID` is read.
    var readsProcessEnvironment: Bool { readsEnvironment }

    init(readsEnvironment: Bool, environmentTraceHeader: @escaping @Sendable () -> String?) {
        self.readsEnvironment = readsEnvironment
        self.environmentTraceHeader = environmentTraceHeader
    }

    /// The carrier's X-Ray context, else the Lambda trace header's, skipping sources that say `Sampled=0`.
    package func extract<Extract: Extractor>(from carrier: Extract.Carrier, using extractor: Extract) -> OtelSpanContext? {
        if let fromCarrier = xray.extract(from: carrier, using: extractor) { return fromCarrier }
        if let fromRuntime = extractor.extract(key: EventHeaders.lambdaTraceHeaderKey, from: carrier) {
            return XRayPropagator.parent(fromRuntime)
        }
        guard readsEnvironment else { return nil }
        return environmentTraceHeader().flatMap(XRayPropagator.parent)
    }

    /// Writes `X-Amzn-Trace-Id`.
    package func inject<Inject: Injector>(
        _ context: OtelSpanContext, into carrier: inout Inject.Carrier, using injector: Inject
    ) {
        xray.inject(context, into: &carrier, using: injector)
    }

    private static func processTraceHeader() -> String? {
        guard let raw = getenv("_X_AMZN_TRACE_ID") else { return nil }
        return String(cString: raw)
    }
}
