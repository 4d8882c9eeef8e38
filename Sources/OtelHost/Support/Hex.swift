package import W3CTraceContext

/// Hex decoding of trace and span ids.
package enum Hex {
    /// The value of one hex digit, either case (with `lowercaseOnly`, one of `0-9a-f`).
    @inline(__always)
    static func nibble(_ c: UInt8, lowercaseOnly: Bool = false) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F") where !lowercaseOnly: return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The value of the eight hex digits at `pointer`, read as one 64-bit word; `nil` when any of them is not a
    /// hex digit (with `lowercaseOnly`, not one of `0-9a-f`). Eight bytes at `pointer` must be readable.
    @inline(__always)
    package static func uint32(eightDigitsAt pointer: UnsafeRawPointer, lowercaseOnly: Bool = false) -> UInt32? {
        let word = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs = ones &* 0x80
        // No byte may be 0x80 or above: then adding below 0x80 to a byte never carries into the next one.
        guard word & highs == 0 else { return nil }
        // A byte's high bit after adding 0x80 - n says whether the byte is at least n.
        let digit = (word &+ ones &* (0x80 - 0x30)) & ~(word &+ ones &* (0x80 - 0x3A)) & highs
        let lower = lowercaseOnly ? word : word | ones &* 0x20
        let letter = (lower &+ ones &* (0x80 - 0x61)) & ~(lower &+ ones &* (0x80 - 0x67)) & highs
        guard digit | letter == highs else { return nil }
        // Each byte's nibble: its low four bits, plus 9 for a letter.
        var value = (word & (ones &* 0x0F)) &+ (letter >> 7) &* 9
        // The first digit is the lowest byte: pack the nibbles most significant first.
        value = (value & 0x000F_000F_000F_000F) << 4 | (value >> 8) & 0x000F_000F_000F_000F
        value = (value & 0x0000_00FF_0000_00FF) << 8 | (value >> 16) & 0x0000_00FF_0000_00FF
        value = (value & 0x0000_0000_0000_FFFF) << 16 | (value >> 32) & 0x0000_0000_0000_FFFF
        return UInt32(truncatingIfNeeded: value)
    }

    /// The value of the sixteen hex digits at `pointer`; `nil` when any of them is not a hex digit (with
    /// `lowercaseOnly`, not one of `0-9a-f`). Sixteen bytes at `pointer` must be readable.
    @inline(__always)
    package static func uint64(sixteenDigitsAt pointer: UnsafeRawPointer, lowercaseOnly: Bool = false) -> UInt64? {
        guard let high = uint32(eightDigitsAt: pointer, lowercaseOnly: lowercaseOnly),
            let low = uint32(eightDigitsAt: pointer + 8, lowercaseOnly: lowercaseOnly)
        else { return nil }
        return UInt64(high) << 32 | UInt64(low)
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
