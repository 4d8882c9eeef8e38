#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the runtime says about one invocation: the small value the host needs to trace it.
public struct InvocationContext: Sendable, Hashable {
    /// The request id (`Lambda-Runtime-Aws-Request-Id`).
    public var requestID: String
    /// When the invocation times out (`Lambda-Runtime-Deadline-Ms`), on the continuous clock.
    public var deadline: ContinuousClock.Instant
    /// The ARN the function was invoked with (`Lambda-Runtime-Invoked-Function-Arn`).
    public var invokedFunctionARN: String
    /// The X-Ray trace header (`Lambda-Runtime-Trace-Id`), when tracing is on.
    public var traceHeader: String?
    /// The client context JSON of mobile SDK calls (`Lambda-Runtime-Client-Context`).
    public var clientContext: String?
    /// The Cognito identity JSON of mobile SDK calls (`Lambda-Runtime-Cognito-Identity`).
    public var cognitoIdentity: String?
    /// The tenant id of a multi-tenant function (`Lambda-Runtime-Aws-Tenant-Id`).
    public var tenantID: String?

    /// Creates a context.
    ///
    /// - Parameters:
    ///   - requestID: The request id.
    ///   - deadline: When the invocation times out.
    ///   - invokedFunctionARN: The ARN the function was invoked with.
    ///   - traceHeader: The X-Ray trace header, if any.
    ///   - clientContext: The client context JSON, if any.
    ///   - cognitoIdentity: The Cognito identity JSON, if any.
    ///   - tenantID: The tenant id, if any.
    public init(
        requestID: String,
        deadline: ContinuousClock.Instant,
        invokedFunctionARN: String,
        traceHeader: String? = nil,
        clientContext: String? = nil,
        cognitoIdentity: String? = nil,
        tenantID: String? = nil
    ) {
        self.requestID = requestID
        self.deadline = deadline
        self.invokedFunctionARN = invokedFunctionARN
        self.traceHeader = traceHeader
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.tenantID = tenantID
    }

    /// The account id: the fifth field of the function ARN, when it is an account id (12 digits).
    public var accountID: String? {
        let utf8 = invokedFunctionARN.utf8
        var start = utf8.startIndex
        // Skip `arn:partition:service:region:`.
        for _ in 0..<4 {
            guard let colon = utf8[start...].firstIndex(of: UInt8(ascii: ":")) else { return nil }
            start = utf8.index(after: colon)
        }
        let end = utf8[start...].firstIndex(of: UInt8(ascii: ":")) ?? utf8.endIndex
        let field = utf8[start..<end]
        guard field.count == 12, field.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return String(invokedFunctionARN[start..<end])
    }

    /// Time left until the deadline (negative once it has passed).
    public var remainingTime: Duration {
        deadline - .now
    }
}

extension ContinuousClock.Instant {
    /// The instant of a deadline the runtime gives as milliseconds since the epoch (`Lambda-Runtime-Deadline-Ms`),
    /// read as ``normalizedDeadlineMs(_:)`` says.
    package static func lambdaDeadline(epochMilliseconds raw: UInt64?) -> ContinuousClock.Instant {
        let remaining = Int64(clamping: normalizedDeadlineMs(raw)) - Int64(clamping: currentTimeMs())
        return .now + .milliseconds(remaining)
    }
}

/// A deadline as epoch milliseconds. Emulators send other things: cargo-lambda sends the timeout itself
/// (`600000`) to the runtime and `0` in INVOKE events. A value before the year 2000 is read as a duration from
/// now; a missing or zero value as Lambda's longest timeout, 15 minutes.
package func normalizedDeadlineMs(_ raw: UInt64?) -> UInt64 {
    let now = currentTimeMs()
    guard let raw, raw > 0 else { return now + 900_000 }
    return raw < 946_684_800_000 ? now + raw : raw
}

/// Milliseconds since the epoch, from the real-time clock.
package func currentTimeMs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
}

/// Nanoseconds from a monotonic clock, for measuring durations.
package func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
