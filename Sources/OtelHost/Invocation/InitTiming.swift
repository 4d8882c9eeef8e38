import NIOConcurrencyHelpers
import Tracing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// When an on-demand execution environment's initialisation started and when the function was ready for its
/// first invocation: the bounds of the cold-start init span.
///
/// The start is the process's start time as the kernel records it (`/proc/self/stat`, in clock ticks, usually
/// 10 ms), placed on the real-time clock through `CLOCK_BOOTTIME`; where that cannot be read, or when it is more
/// than 10 s (Lambda's init limit) before the bootstrap (a launcher such as `swift run` exec'd the executable in
/// the same process after building it), the start of
/// ``LambdaTelemetry/bootstrap(configuration:plugins:environment:)``. The end is the moment the telemetry service
/// started beside the runtime, just before the runtime asks for its first invocation; without the service, the
/// start of the first invocation.
final class InitTiming: Sendable {
    let startNanos: UInt64
    let startsAtProcessStart: Bool
    private let ready = NIOLockedValueBox<UInt64?>(nil)

    /// Whether a cold start has an init span here: in an on-demand execution environment
    /// (`AWS_LAMBDA_INITIALIZATION_TYPE=on-demand`, or no such variable under a Runtime API, as in emulators). Not on
    /// Managed Instances, and not with provisioned concurrency or SnapStart, whose init runs long before the first
    /// invocation; not without a Runtime API (unit tests, the runtime's own local server).
    static func applies(_ environment: OtelEnvironment) -> Bool {
        switch environment.nonEmpty("AWS_LAMBDA_INITIALIZATION_TYPE")?.lowercased() {
        case "on-demand": return true
        case nil: return environment.nonEmpty("AWS_LAMBDA_RUNTIME_API") != nil
        default: return false
        }
    }

    /// The longest an init that starts at the process's start may be before the telemetry bootstraps: Lambda's
    /// own init limit for on-demand functions (10 s). A process start further back is not this executable's
    /// init: a launcher exec'd it under the same process (`swift run` builds first, then execs the product), and
    /// the init span starts at bootstrap instead.
    static let processStartBound: UInt64 = 10_000_000_000

    init(bootstrapStartNanos: UInt64, processStartNanos: UInt64? = InitTiming.processStartNanos()) {
        if let processStart = processStartNanos, processStart <= bootstrapStartNanos,
            bootstrapStartNanos - processStart <= Self.processStartBound
        {
            startNanos = processStart
            startsAtProcessStart = true
        } else {
            startNanos = bootstrapStartNanos
            startsAtProcessStart = false
        }
    }

    /// Records the end of init, once.
    func markReady(_ nanos: UInt64 = DefaultTracerClock.now.nanosecondsSinceEpoch) {
        ready.withLockedValue { if $0 == nil { $0 = nanos } }
    }

    /// The end of init, if it was recorded.
    var readyNanos: UInt64? { ready.withLockedValue { $0 } }

    /// The process's start on the real-time clock, from `/proc/self/stat` and `CLOCK_BOOTTIME`.
    static func processStartNanos() -> UInt64? {
        #if os(Linux)
        guard let file = fopen("/proc/self/stat", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = fread(&buffer, 1, buffer.count, file)
        guard count > 0 else { return nil }
        let text = buffer[0..<count]
        // The command name is in parentheses and may hold spaces: the fields after it start at field 3.
        guard let close = text.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = text[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 19, let ticks = UInt64(String(decoding: fields[19], as: UTF8.self)) else { return nil }
        let ticksPerSecond = UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1))
        var boot = timespec()
        var real = timespec()
        guard clock_gettime(CLOCK_BOOTTIME, &boot) == 0, clock_gettime(CLOCK_REALTIME, &real) == 0 else { return nil }
        let sinceBoot = UInt64(boot.tv_sec) * 1_000_000_000 + UInt64(boot.tv_nsec)
        let startedAfterBoot = ticks * (1_000_000_000 / ticksPerSecond)
        guard startedAfterBoot <= sinceBoot else { return nil }
        let now = UInt64(real.tv_sec) * 1_000_000_000 + UInt64(real.tv_nsec)
        return now - (sinceBoot - startedAfterBoot)
        #else
        return nil
        #endif
    }
}

/// A point in time given in nanoseconds since the epoch.
struct EpochInstant: TracerInstant {
    let nanosecondsSinceEpoch: UInt64

    static func < (lhs: EpochInstant, rhs: EpochInstant) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }
}
