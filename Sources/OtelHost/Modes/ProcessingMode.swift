/// The name of a processing mode, as `LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE` spells it.
public struct ProcessingModeName: Sendable, Hashable, CustomStringConvertible {
    /// The lower-case name.
    public let rawValue: String

    /// Creates a name; it is trimmed and lower-cased.
    public init(_ rawValue: String) {
        self.rawValue = rawValue.trimmingASCIIWhitespace().lowercased()
    }

    /// Export before the response is sent (the default).
    public static let sync = ProcessingModeName("sync")
    /// Export after the response is sent, from an internal Lambda extension.
    public static let async = ProcessingModeName("async")
    /// Export only by the application's own processor, and at shutdown.
    public static let finalize = ProcessingModeName("finalize")
    /// Export from a background task, on a timer and when the queue fills: what `async` becomes on Lambda Managed
    /// Instances, where extensions receive no INVOKE events.
    public static let background = ProcessingModeName("background")

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
    /// `AWS_LAMBDA_RUNTIME_API`, when the function runs under a Lambda runtime or an emulator.
    public let runtimeAPI: String?
    /// Whether the function runs on Lambda Managed Instances (`AWS_LAMBDA_INITIALIZATION_TYPE`).
    public let isManagedInstances: Bool
    /// How often the background exporter exports at the latest.
    public let exportInterval: Duration
    /// The queue size of the Lambda span processor, when it is the processor.
    public let queueSize: Int?

    /// Creates a context.
    public init(
        tracer: OtelTracer, environment: OtelEnvironment, runtimeAPI: String?, isManagedInstances: Bool = false,
        exportInterval: Duration = .milliseconds(500), queueSize: Int? = nil
    ) {
        self.tracer = tracer
        self.environment = environment
        self.runtimeAPI = runtimeAPI
        self.isManagedInstances = isManagedInstances
        self.exportInterval = exportInterval
        self.queueSize = queueSize
    }
}

/// A strategy for when spans are exported: `sync`, `async`, `finalize`, or a plugin's own.
///
/// A mode is registered by name (``PluginRegistry/registerProcessingMode(named:_:)``) and chosen with
/// `LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE`; a plugin's mode replaces a built-in of the same name. The mode starts
/// during ``LambdaTelemetry/bootstrap(configuration:plugins:environment:)``, before the runtime asks for its
/// first invocation. When it cannot start (an extension that cannot register), the host logs a warning and runs
/// the `sync` mode.
public protocol ProcessingMode: Sendable {
    /// Starts the mode during initialisation, before the first invocation.
    ///
    /// - Parameter context: The tracer, environment and runtime API address.
    /// - Returns: What the telemetry calls after each invocation and runs in the background.
    /// - Throws: When the mode cannot run here; the host then falls back to `sync`.
    func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion
}

/// A started processing mode: told when each invocation ends, and given a place to run background work.
public protocol InvocationCompletion: Sendable {
    /// Whether the mode needs its ``run()`` to be running for spans to leave (the extension loop of `async`).
    var needsBackgroundWork: Bool { get }

    /// Whether the mode registered an internal extension with the Extensions API.
    var registeredExtension: Bool { get }

    /// The invocation's response is about to leave and its span has ended: `sync` exports here.
    func responseWillBeSent(_ invocation: InvocationContext) async

    /// The handler has returned (after any work it did once the response was sent): export what is left (sync),
    /// signal the extension (async) or do nothing (finalize).
    func invocationDidEnd(_ invocation: InvocationContext) async

    /// The mode's background work (an extension loop, a timer). The telemetry service runs it as a child task
    /// and cancels it at shutdown; it returns when cancelled.
    func run() async

    /// The process is shutting down: export what is left and shut the processors down.
    func shutdown() async
}

extension InvocationCompletion {
    /// Nothing to do before the response by default.
    public func responseWillBeSent(_ invocation: InvocationContext) async {}

    /// No background work by default.
    public var needsBackgroundWork: Bool { false }

    /// No extension by default.
    public var registeredExtension: Bool { false }

    /// No background work by default.
    public func run() async {}
}
