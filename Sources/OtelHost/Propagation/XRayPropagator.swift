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
        var header = header
        return header.withUTF8 { parse(utf8: $0) }
    }

    /// Parses the UTF-8 bytes of an X-Ray trace header, as ``parse(_:)`` does, without making strings.
    package static func parse(utf8 header: UnsafeBufferPointer<UInt8>) -> OtelSpanContext? {
        if let canonical = parseCanonical(header) { return canonical }
        var traceHigh: UInt64 = 0
        var traceLow: UInt64 = 0
        var hasTrace = false
        var spanValue: UInt64 = 0
        var hasSpan = false
        var sampled: Bool?
        var partStart = 0
        let count = header.count
        while partStart < count {
            var partEnd = partStart
            while partEnd < count, header[partEnd] != UInt8(ascii: ";") { partEnd += 1 }
            defer { partStart = partEnd + 1 }
            var eq = partStart
            while eq < partEnd, header[eq] != UInt8(ascii: "=") { eq += 1 }
            guard eq < partEnd else { continue }
            let (keyStart, keyEnd) = trimmed(header, partStart, eq)
            let (valueStart, valueEnd) = trimmed(header, eq + 1, partEnd)
            let length = valueEnd - valueStart
            if matches(header, keyStart, keyEnd, "root") {
                // 1-<8 hex epoch>-<24 hex>
                guard length == 35, header[valueStart] == UInt8(ascii: "1"), header[valueStart + 1] == UInt8(ascii: "-"),
                    header[valueStart + 10] == UInt8(ascii: "-"),
                    let epoch = hex(header, valueStart + 2, 8), let middle = hex(header, valueStart + 11, 8),
                    let low = hex(header, valueStart + 19, 16)
                else { return nil }
                traceHigh = epoch << 32 | middle
                traceLow = low
                hasTrace = true
            } else if matches(header, keyStart, keyEnd, "parent") {
                guard length == 16, let value = hex(header, valueStart, 16) else { return nil }
                spanValue = value
                hasSpan = true
            } else if matches(header, keyStart, keyEnd, "sampled") {
                if length == 1 && header[valueStart] == UInt8(ascii: "1") {
                    sampled = true
                } else if length == 1 && header[valueStart] == UInt8(ascii: "0") {
                    sampled = false
                } else {
                    sampled = nil
                }
            }
        }
        guard hasTrace, hasSpan else { return nil }
        let context = OtelSpanContext(
            traceID: TraceID(high: traceHigh, low: traceLow), spanID: SpanID(value: spanValue),
            flags: sampled == true ? .sampled : [], traceState: "", isRemote: true, isSamplingDeferred: sampled == nil)
        return context.isValid ? context : nil
    }

    /// The header as X-Ray and Lambda write it, `Root=1-{8}-{24};Parent={16}` with `;Sampled=` and one character
    /// or nothing after it, read at fixed offsets; `nil` when it is not such a header with hex digits and ids
    /// that are not zero, and ``parse(utf8:)`` then reads it field by field.
    private static func parseCanonical(_ header: UnsafeBufferPointer<UInt8>) -> OtelSpanContext? {
        let count = header.count
        guard count == 64 || count == 74, let base = header.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        func equals(_ offset: Int, _ literal: StaticString) -> Bool {
            memcmp(raw + offset, literal.utf8Start, literal.utf8CodeUnitCount) == 0
        }
        guard equals(0, "Root=1-"), header[15] == UInt8(ascii: "-"), equals(40, ";Parent="),
            count == 64 || equals(64, ";Sampled=")
        else { return nil }
        guard let epoch = Hex.uint32(eightDigitsAt: raw + 7), let middle = Hex.uint32(eightDigitsAt: raw + 16),
            let low1 = Hex.uint32(eightDigitsAt: raw + 24), let low2 = Hex.uint32(eightDigitsAt: raw + 32),
            let parent1 = Hex.uint32(eightDigitsAt: raw + 48), let parent2 = Hex.uint32(eightDigitsAt: raw + 56)
        else { return nil }
        var sampled: Bool?
        if count == 74 {
            switch header[73] {
            case UInt8(ascii: "1"): sampled = true
            case UInt8(ascii: "0"): sampled = false
            default: sampled = nil
            }
        }
        let context = OtelSpanContext(
            traceID: TraceID(high: UInt64(epoch) << 32 | UInt64(middle), low: UInt64(low1) << 32 | UInt64(low2)),
            spanID: SpanID(value: UInt64(parent1) << 32 | UInt64(parent2)),
            flags: sampled == true ? .sampled : [], traceState: "", isRemote: true, isSamplingDeferred: sampled == nil)
        return context.isValid ? context : nil
    }

    /// The range `start..<end` of `bytes` without leading and trailing ASCII white space.
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int) {
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        var start = start, end = end
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return (start, end)
    }

    /// Whether `bytes[start..<end]` is `lowercase` with ASCII letters compared without case.
    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ lowercase: StaticString) -> Bool {
        guard end - start == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for i in 0..<(end - start) {
            let c = bytes[start + i]
            let lower = c >= 0x41 && c <= 0x5A ? c | 0x20 : c
            if lower != expected[i] { return false }
        }
        return true
    }

    /// The value of `count` hex digits (either case) at `start`; `nil` when one is not a hex digit.
    private static func hex(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> UInt64? {
        var value: UInt64 = 0
        for i in start..<(start + count) {
            guard let n = Hex.nibble(bytes[i]) else { return nil }
            value = value << 4 | UInt64(n)
        }
        return value
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
