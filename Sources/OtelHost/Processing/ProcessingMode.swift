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
        await tracer.flush()
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
public struct TelemetryCompletionHandler: Sendable {
    /// The mode that is running.
    public let mode: ProcessingModeName
    let completion: any InvocationCompletion

    init(mode: ProcessingModeName, completion: any InvocationCompletion) {
        self.mode = mode
        self.completion = completion
    }

    /// Tells the mode that the invocation's span has ended.
    public func complete(_ invocation: InvocationContext) async {
        await completion.invocationDidEnd(invocation)
    }

    /// Exports what is left and shuts the processors down.
    public func shutdown() async {
        await completion.shutdown()
    }
}
