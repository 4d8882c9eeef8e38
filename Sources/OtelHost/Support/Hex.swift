package import W3CTraceContext

/// Hex decoding of trace and span ids.
package enum Hex {
    @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The value of up to 16 hex digits.
    package static func uint64<C: Collection>(_ digits: C) -> UInt64? where C.Element == UInt8 {
        guard digits.count <= 16, !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for c in digits {
            guard let n = nibble(c) else { return nil }
            value = value << 4 | UInt64(n)
        }
        return value
    }

    /// A trace id from exactly 32 hex digits.
    package static func traceID(_ digits: [UInt8]) -> TraceID? {
        guard digits.count == 32, let high = uint64(digits[0..<16]), let low = uint64(digits[16..<32]) else {
            return nil
        }
        return TraceID(high: high, low: low)
    }

    /// A span id from exactly 16 hex digits.
    package static func spanID(_ digits: [UInt8]) -> SpanID? {
        guard digits.count == 16, let value = uint64(digits) else { return nil }
        return SpanID(value: value)
    }
}
