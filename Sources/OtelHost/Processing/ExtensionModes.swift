@preconcurrency import Dispatch
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `async`: an internal Lambda extension exports after the response is sent.
///
/// The extension registers for `INVOKE` events during initialisation. For each invocation it waits for the
/// handler wrapper's completion signal — matched by request id, so a signal that arrives before the event and
/// one that arrives after both work, and a stray signal never releases a later invocation — then flushes, then
/// calls `event/next`, which tells Lambda the extension is done. The caller has its response before the
/// export starts. When a completion never comes, a watchdog flushes shortly before the invocation's deadline,
/// with a warning, so the function never hangs. SIGTERM flushes and exits.
public struct AsyncProcessingMode: ProcessingMode {
    /// The extension name registered with Lambda.
    public static let extensionName = "lambda-otel-lite-internal"

    /// Creates the mode.
    public init() {}

    /// Registers the extension and starts its loop.
    public func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion {
        let client = try ExtensionRegistration.client(context)
        let id = try await ExtensionRegistration.register(client, events: ["INVOKE"])
        let extensionLoop = AsyncExtension(client: client, id: id, tracer: context.tracer)
        ShutdownSignal.install(tracer: context.tracer)
        extensionLoop.run()
        return extensionLoop
    }
}

/// `finalize`: the application's own processor exports (a ``BatchSpanProcessor``); an extension registered for
/// no events exists only so that Lambda sends SIGTERM at shutdown, when every processor is flushed.
public struct FinalizeProcessingMode: ProcessingMode {
    /// Creates the mode.
    public init() {}

    /// Registers the extension and installs the SIGTERM flush.
    public func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion {
        let client = try ExtensionRegistration.client(context)
        let id = try await ExtensionRegistration.register(client, events: [])
        ShutdownSignal.install(tracer: context.tracer)
        let completion = FinalizeCompletion(tracer: context.tracer)
        Task.detached {
            // For an extension with no events `event/next` does not return on AWS. Emulators may answer at
            // once with an error: back off, never spin.
            var delayMs: UInt64 = 100
            while !Task.isCancelled {
                do {
                    _ = try await client.next(id: id)
                    delayMs = 100
                } catch {
                    Diagnostics.warnOnce("finalize-next", "finalize extension: event/next failed (\(error)); retrying with back-off")
                    try? await Task.sleep(nanoseconds: delayMs * 1_000_000)
                    delayMs = min(delayMs * 2, 10_000)
                }
            }
        }
        return completion
    }
}

struct FinalizeCompletion: InvocationCompletion {
    let tracer: OtelTracer

    func invocationDidEnd(_ invocation: InvocationContext) async {}

    func shutdown() async {
        await tracer.flush()
        try? await tracer.processor.shutdown()
    }
}

enum ExtensionRegistration {
    static func client(_ context: ProcessingModeContext) throws -> ExtensionAPIClient {
        guard let raw = context.runtimeAPI else {
            throw RuntimeAPIError("AWS_LAMBDA_RUNTIME_API is not set, so there is no Extensions API")
        }
        guard let address = RuntimeAPIAddress(parsing: raw) else {
            throw RuntimeAPIError("AWS_LAMBDA_RUNTIME_API=\"\(raw)\" is not an address")
        }
        return ExtensionAPIClient(address: address)
    }

    /// Registers within two seconds, or fails.
    static func register(_ client: ExtensionAPIClient, events: [String]) async throws -> String {
        try await withTimeout(milliseconds: 2000, "extension registration") {
            try await client.register(name: AsyncProcessingMode.extensionName, events: events)
        }
    }
}

/// Runs `body`, failing when it takes longer than `milliseconds`.
///
/// The caller is released at the deadline even when `body` ignores cancellation (a request a server never
/// answers): `body` is cancelled and left to finish on its own. The deadline is a timer on a NIO event loop, so
/// the common case — `body` finishes in time — costs one task and one cancelled timer.
func withTimeout<T: Sendable>(
    milliseconds: UInt64, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
    let timer = NIOLockedValueBox<Scheduled<Void>?>(nil)
    let work = NIOLockedValueBox<Task<Void, Never>?>(nil)
    @Sendable func finish(_ result: Result<T, any Error>) {
        let waiting = outcome.withLockedValue { stored -> CheckedContinuation<T, any Error>? in
            defer { stored = nil }
            return stored
        }
        waiting?.resume(with: result)
    }
    return try await withCheckedThrowingContinuation { continuation in
        outcome.withLockedValue { $0 = continuation }
        let delay = TimeAmount.milliseconds(Int64(min(milliseconds, UInt64(Int64.max / 1_000_000))))
        let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: delay) {
            finish(.failure(RuntimeAPIError("\(what) timed out after \(milliseconds) ms")))
            work.withLockedValue { $0?.cancel() }
        }
        timer.withLockedValue { $0 = scheduled }
        let task = Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            timer.withLockedValue { $0?.cancel() }
            finish(result)
        }
        work.withLockedValue { $0 = task }
    }
}

/// Completion signals matched to INVOKE events by request id.
final class CompletionSignals: Sendable {
    private struct Waiter {
        let requestID: String
        let token: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var early: [String] = []
        var waiter: Waiter?
        var nextToken: UInt64 = 0
    }

    private static let earlyLimit = 64
    private let state = NIOLockedValueBox(State())

    /// Records that `requestID` completed; releases the waiter for that id, if any.
    func signal(_ requestID: String) {
        let waiter: Waiter? = state.withLockedValue { state in
            if let waiter = state.waiter, waiter.requestID == requestID {
                state.waiter = nil
                return waiter
            }
            if !state.early.contains(requestID) {
                state.early.append(requestID)
                if state.early.count > Self.earlyLimit { state.early.removeFirst() }
            }
            return nil
        }
        waiter?.continuation.resume(returning: true)
    }

    /// Waits for the completion of `requestID`; `false` when `timeoutNanos` passed first.
    func wait(for requestID: String, timeoutNanos: UInt64) async -> Bool {
        let alreadyDone = state.withLockedValue { state -> Bool in
            if let index = state.early.firstIndex(of: requestID) {
                state.early.remove(at: index)
                return true
            }
            return false
        }
        if alreadyDone { return true }
        return await withCheckedContinuation { continuation in
            let token: UInt64 = state.withLockedValue { state in
                state.nextToken += 1
                // A signal may have landed between the check above and now.
                if let index = state.early.firstIndex(of: requestID) {
                    state.early.remove(at: index)
                    return 0
                }
                state.waiter = Waiter(requestID: requestID, token: state.nextToken, continuation: continuation)
                return state.nextToken
            }
            if token == 0 {
                continuation.resume(returning: true)
                return
            }
            Task {
                try? await Task.sleep(nanoseconds: timeoutNanos)
                let expired: Waiter? = self.state.withLockedValue { state in
                    guard let waiter = state.waiter, waiter.token == token else { return nil }
                    state.waiter = nil
                    return waiter
                }
                expired?.continuation.resume(returning: false)
            }
        }
    }
}

/// The async mode's extension: INVOKE, wait for the completion, flush, `event/next`.
final class AsyncExtension: InvocationCompletion {
    let client: ExtensionAPIClient
    let id: String
    let tracer: OtelTracer
    let signals = CompletionSignals()

    init(client: ExtensionAPIClient, id: String, tracer: OtelTracer) {
        self.client = client
        self.id = id
        self.tracer = tracer
    }

    func run() {
        Task.detached { [self] in
            var failures = 0
            while !Task.isCancelled {
                let event: ExtensionEvent
                do {
                    event = try await client.next(id: id)
                    failures = 0
                } catch {
                    failures += 1
                    if failures == 1 { Diagnostics.warn("async extension: event/next failed (\(error)); retrying") }
                    try? await Task.sleep(nanoseconds: UInt64(min(failures, 20)) * 50_000_000)
                    continue
                }
                switch event.type {
                case "INVOKE":
                    guard let requestID = event.requestID else {
                        await tracer.flush()
                        continue
                    }
                    let remainingMs = Int64(bitPattern: normalizedDeadlineMs(event.deadlineMs))
                        - Int64(bitPattern: currentTimeMs())
                    // Leave time to flush and call event/next before the deadline.
                    let margin = min(max(remainingMs / 10, 20), 500)
                    let waitMs = UInt64(min(max(remainingMs - margin, 0), 86_400_000))
                    let completed = await signals.wait(for: requestID, timeoutNanos: waitMs * 1_000_000)
                    if !completed {
                        Diagnostics.warn(
                            "async extension: invocation \(requestID) did not signal completion before its deadline; "
                                + "flushing anyway so the function does not hang")
                    }
                    await tracer.flush(before: InvocationContext(
                        requestID: requestID, deadlineMs: normalizedDeadlineMs(event.deadlineMs), invokedFunctionARN: ""))
                case "SHUTDOWN":
                    await tracer.flush()
                    try? await tracer.processor.shutdown()
                    return
                default:
                    continue
                }
            }
        }
    }

    func invocationDidEnd(_ invocation: InvocationContext) async {
        signals.signal(invocation.requestID)
    }

    func shutdown() async {
        await tracer.flush()
        try? await tracer.processor.shutdown()
    }
}

/// SIGTERM: flush every processor within Lambda's shutdown budget, shut down, exit 0.
enum ShutdownSignal {
    private static let installed = NIOLockedValueBox(false)
    /// The time allowed for the final flush; Lambda gives about 300 ms before SIGKILL.
    static let budgetMs = 250

    static func install(tracer: OtelTracer) {
        let first = installed.withLockedValue { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        // The handler holds the source, so the source lives as long as the process.
        source.setEventHandler {
            withExtendedLifetime(source) {
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(budgetMs)) {
                    Diagnostics.warn("SIGTERM: the final flush did not finish in \(budgetMs) ms; exiting")
                    exit(0)
                }
                Task.detached {
                    await tracer.flush()
                    try? await tracer.processor.shutdown()
                    exit(0)
                }
            }
        }
        source.resume()
    }
}
