import NIOConcurrencyHelpers

/// The name of a processing mode, as `LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE` spells it.
public struct ProcessingModeName: Sendable, Hashable, CustomStringConvertible {
    /// The lower-case name.
    public let rawValue: String

    /// Creates a name; it is trimmed and lower-cased.
    public init(_ rawValue: String) {
        self.rawValue = rawValue.trimmingASCIIWhitespace().lowercased()
    }

    /// Export before the handler returns (the default).
    public static let sync = ProcessingModeName("sync")
    /// Export after the response is sent, from an internal Lambda extension.
    public static let async = ProcessingModeName("async")
    /// Export only by the application's own processor, and on SIGTERM.
    public static let finalize = ProcessingModeName("finalize")

    /// The environment variable that selects the mode.
    public static let variable = "LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE"

    /// The name.
    public var description: String { rawValue }
}

/// What a processing mode is given when it starts.
public struct ProcessingModeContext: Sendable {
    /// The tracer; its `flush()` exports every processor.
    public let tracer: OtelTracer
    /// The environment snapshot.
    public let environment: OtelEnvironment
    /// `AWS_LAMBDA_RUNTIME_API`, when the function runs under a Lambda runtime (or the local server).
    public let runtimeAPI: String?

    /// Creates a context.
    public init(tracer: OtelTracer, environment: OtelEnvironment, runtimeAPI: String?) {
        self.tracer = tracer
        self.environment = environment
        self.runtimeAPI = runtimeAPI
    }
}

/// A strategy for when spans are exported: the Swift form of `sync`, `async` and `finalize`.
///
/// A mode is registered by name (``PluginRegistry/registerProcessingMode(named:_:)``) and chosen with
/// `LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE`. When it cannot start (an extension that cannot register), the host
/// logs a warning and runs as `sync`.
public protocol ProcessingMode: Sendable {
    /// Starts the mode during initialisation, before the first invocation.
    ///
    /// - Parameter context: The tracer, environment and runtime API address.
    /// - Returns: What the handler wrapper calls after each invocation.
    /// - Throws: When the mode cannot run here; the host then falls back to `sync`.
    func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion
}

/// Called by the handler wrapper after each invocation's span has ended.
public protocol InvocationCompletion: Sendable {
    /// The invocation's span has ended; export now (sync), signal the extension (async) or do nothing (finalize).
    func invocationDidEnd(_ invocation: InvocationContext) async

    /// The process is shutting down: export what is left.
    func shutdown() async
}

/// `sync`: flush every processor before the handler returns.
public struct SyncProcessingMode: ProcessingMode {
    /// Creates the mode.
    public init() {}

    /// Starts the mode.
    public func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion {
        SyncCompletion(tracer: context.tracer)
    }
}

struct SyncCompletion: InvocationCompletion {
    let tracer: OtelTracer

    func invocationDidEnd(_ invocation: InvocationContext) async {
        await tracer.flush(before: invocation)
    }

    func shutdown() async {
        do {
            try await tracer.processor.shutdown()
        } catch {
            Diagnostics.warn("span processor shutdown failed: \(error)")
        }
    }
}

/// Signals the end of each invocation to the processing mode.
///
/// The handler wrapper and middleware call ``complete(_:)`` after the invocation span has ended, on every path.
/// The mode starts with ``LambdaTelemetry/start(runtimeAPI:)`` during initialisation (the runtime does this
/// before its first `next`); a completion before that starts it first.
public final class TelemetryCompletionHandler: Sendable {
    enum Phase {
        case pending(name: ProcessingModeName, mode: any ProcessingMode, context: ProcessingModeContext)
        case active(name: ProcessingModeName, completion: any InvocationCompletion)
    }

    private let phase: NIOLockedValueBox<Phase>
    private let starting = AsyncStartGate()
    private let tracer: OtelTracer

    init(name: ProcessingModeName, mode: any ProcessingMode, context: ProcessingModeContext) {
        tracer = context.tracer
        if name == .sync {
            phase = NIOLockedValueBox(.active(name: .sync, completion: SyncCompletion(tracer: context.tracer)))
        } else {
            phase = NIOLockedValueBox(.pending(name: name, mode: mode, context: context))
        }
    }

    /// The mode that runs (or will run, until it is started).
    public var mode: ProcessingModeName {
        switch phase.withLockedValue({ $0 }) {
        case .pending(let name, _, _), .active(let name, _): return name
        }
    }

    /// Starts the mode if it has not started: registers the extension in `async` and `finalize` modes. When the
    /// mode cannot start, a warning is logged and the function runs as `sync`.
    ///
    /// - Parameter runtimeAPI: The Runtime API address, when it is not `AWS_LAMBDA_RUNTIME_API`.
    public func start(runtimeAPI: String? = nil) async {
        await starting.run {
            guard case .pending(let name, let mode, var context) = phase.withLockedValue({ $0 }) else { return }
            if let runtimeAPI { context = ProcessingModeContext(tracer: context.tracer, environment: context.environment, runtimeAPI: runtimeAPI) }
            let next: Phase
            do {
                next = .active(name: name, completion: try await mode.start(context))
            } catch {
                Diagnostics.warn("processing mode \(name) could not start (\(error)); running as sync")
                next = .active(name: .sync, completion: SyncCompletion(tracer: context.tracer))
            }
            phase.withLockedValue { $0 = next }
        }
    }

    private func activeCompletion() async -> any InvocationCompletion {
        if case .active(_, let completion) = phase.withLockedValue({ $0 }) { return completion }
        await start()
        if case .active(_, let completion) = phase.withLockedValue({ $0 }) { return completion }
        return SyncCompletion(tracer: tracer)
    }

    /// Tells the mode that the invocation's span has ended.
    public func complete(_ invocation: InvocationContext) async {
        await activeCompletion().invocationDidEnd(invocation)
    }

    /// Exports what is left and shuts the processors down.
    public func shutdown() async {
        await activeCompletion().shutdown()
    }
}

/// Runs an async start-up once, however many callers ask for it at the same time.
final class AsyncStartGate: Sendable {
    private let state = NIOLockedValueBox<(done: Bool, running: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, false, []))

    func run(_ body: () async -> Void) async {
        enum Role { case done, runner, waiter }
        let role: Role = state.withLockedValue { s in
            if s.done { return .done }
            if s.running { return .waiter }
            s.running = true
            return .runner
        }
        switch role {
        case .done:
            return
        case .waiter:
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLockedValue { s -> Bool in
                    if s.done { return true }
                    s.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        case .runner:
            await body()
            let waiters = state.withLockedValue { s -> [CheckedContinuation<Void, Never>] in
                s.done = true
                s.running = false
                defer { s.waiters.removeAll() }
                return s.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }
}
