public import W3CTraceContext
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes trace and span ids.
public protocol IDGenerator: Sendable {
    /// A new, non-zero trace id.
    func newTraceID() -> TraceID
    /// A new, non-zero span id.
    func newSpanID() -> SpanID
}

/// Random ids from a fast generator seeded by the system's secure source.
///
/// Ids need to be unique, not secret, so a xoshiro256** generator behind a lock is used instead of a system
/// call for every id.
package struct RandomIDGenerator: IDGenerator {
    private let state: NIOLockedValueBox<Xoshiro256>

    /// Creates a generator seeded from the system's secure random source.
    package init() {
        var system = SystemRandomNumberGenerator()
        state = NIOLockedValueBox(Xoshiro256(seed: (system.next(), system.next(), system.next(), system.next())))
    }

    /// A new, non-zero trace id.
    package func newTraceID() -> TraceID {
        while true {
            let (a, b) = state.withLockedValue { ($0.next(), $0.next()) }
            if a | b != 0 { return TraceID(high: a, low: b) }
        }
    }

    /// A new, non-zero span id.
    package func newSpanID() -> SpanID {
        while true {
            let a = state.withLockedValue { $0.next() }
            if a != 0 { return SpanID(value: a) }
        }
    }
}

/// Ids that AWS X-Ray accepts: the first four bytes of a trace id are the current time in epoch seconds.
public struct XRayIDGenerator: IDGenerator {
    private let random = RandomIDGenerator()

    /// Creates an X-Ray-compatible generator.
    public init() {}

    /// A trace id whose first four bytes are the epoch seconds.
    public func newTraceID() -> TraceID {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let seconds = UInt64(UInt32(truncatingIfNeeded: ts.tv_sec))
        let r = random.newTraceID()
        let (high, low) = r.words
        return TraceID(high: (seconds << 32) | (high & 0xFFFF_FFFF), low: low)
    }

    /// A random span id.
    public func newSpanID() -> SpanID { random.newSpanID() }
}

struct Xoshiro256 {
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    init(seed: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = seed
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }
}

extension TraceID {
    /// Creates a trace id from two big-endian 64-bit halves.
    package init(high: UInt64, low: UInt64) {
        let h = high.bigEndian, l = low.bigEndian
        self = withUnsafeBytes(of: (h, l)) { raw in
            TraceID(bytes: raw.loadUnaligned(as: TraceID.Bytes.self))
        }
    }

    /// The id as two big-endian 64-bit halves.
    package var words: (high: UInt64, low: UInt64) {
        withUnsafeBytes(of: bytes) { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }
}

extension SpanID {
    /// Creates a span id from a big-endian 64-bit value.
    package init(value: UInt64) {
        let v = value.bigEndian
        self = withUnsafeBytes(of: v) { raw in SpanID(bytes: raw.loadUnaligned(as: SpanID.Bytes.self)) }
    }

    /// The id as a big-endian 64-bit value.
    package var value: UInt64 {
        withUnsafeBytes(of: bytes) { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) }
    }
}
