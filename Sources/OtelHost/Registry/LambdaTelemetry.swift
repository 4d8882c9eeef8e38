import Instrumentation
package import Logging
import Tracing
import NIOConcurrencyHelpers

/// The telemetry of a Lambda function: the tracer, the processing mode that runs, and the registered plugins.
///
/// Make it once at start-up with ``bootstrap(configuration:plugins:environment:)``, wrap the handler with it (the
/// `LambdaOtelLiteRuntime` adapter does this for swift-aws-lambda-runtime), and run it as a swift-service-lifecycle
/// `Service` beside the runtime: its ``run()`` owns every background task of the `async` and `finalize` modes, and
/// its graceful shutdown exports every queued span.
public final class LambdaTelemetry: Sendable {
    /// The tracer.
    public let tracer: OtelTracer
    /// The registry the plugins filled.
    public let registry: PluginRegistry
    /// The environment snapshot the configuration was resolved from.
    public let environment: OtelEnvironment
    /// The configuration as it was resolved at start-up, the mode that really runs included.
    public let settings: ResolvedConfiguration

    let completion: ModeCompletion
    /// When the environment's init started and ended, for the cold-start init span; `nil` on Managed Instances.
    let initTiming: InitTiming?
    /// The logger the configuration gave for the library's diagnostics, if any.
    package let logger: Logger?
    private let coldStart = NIOLockedValueBox(true)
    private static let bootstrapped = NIOLockedValueBox(false)

    private init(
        tracer: OtelTracer, registry: PluginRegistry, environment: OtelEnvironment,
        settings: ResolvedConfiguration, completion: ModeCompletion, initTiming: InitTiming?, logger: Logger?
    ) {
        self.tracer = tracer
        self.registry = registry
        self.environment = environment
        self.settings = settings
        self.completion = completion
        self.initTiming = initTiming
        self.logger = logger
    }

    /// Initialises telemetry and makes its tracer the process's tracer (`InstrumentationSystem.bootstrap`).
    ///
    /// Call it once per process, at start-up, before the runtime starts: in `async` and `finalize` modes it
    /// registers the internal extension, which Lambda accepts only during initialisation. A second call is a
    /// programming error, as with swift-log's `LoggingSystem.bootstrap`.
    ///
    /// - Parameters:
    ///   - configuration: Settings from code; environment variables win over them.
    ///   - plugins: Plugins in order: a user's first, then the built-ins (`.defaults` in `LambdaOtelLite`).
    ///   - environment: The environment to read; the process environment by default.
    /// - Returns: The telemetry.
    public static func bootstrap(
        configuration: OtelConfiguration = OtelConfiguration(),
        plugins: [any OtelPlugin],
        environment: OtelEnvironment = .process()
    ) async -> LambdaTelemetry {
        let first = bootstrapped.withLockedValue { done in
            defer { done = true }
            return !done
        }
        precondition(first, "LambdaTelemetry.bootstrap may be called only once per process")
        let telemetry = await make(configuration: configuration, plugins: plugins, environment: environment)
        InstrumentationSystem.bootstrap(telemetry.tracer)
        for setup in telemetry.registry.processWideSetups { setup() }
        return telemetry
    }

    /// Initialises telemetry without making it global.
    ///
    /// Handlers traced with it still find its tracer in `withSpan` (the invocation binds it); tests use this form
    /// so they can run in parallel.
    ///
    /// - Parameters:
    ///   - configuration: Settings from code; environment variables win over them.
    ///   - plugins: Plugins in order.
    ///   - environment: The environment to read; the process environment by default.
    /// - Returns: The telemetry.
    public static func make(
        configuration: OtelConfiguration = OtelConfiguration(),
        plugins: [any OtelPlugin],
        environment: OtelEnvironment = .process()
    ) async -> LambdaTelemetry {
        await Diagnostics.withLogger(configuration.logger) {
            await resolve(configuration: configuration, plugins: plugins, environment: environment)
        }
    }

    private static func resolve(
        configuration: OtelConfiguration, plugins: [any OtelPlugin], environment: OtelEnvironment
    ) async -> LambdaTelemetry {
        let bootstrapStart = DefaultTracerClock.now.nanosecondsSinceEpoch
        if let raw = environment.nonEmpty("AWS_LAMBDA_LOG_LEVEL") ?? environment.nonEmpty("LOG_LEVEL") {
            if let level = Diagnostics.parseLevel(raw) {
                Diagnostics.configure(level: level)
            } else {
                Diagnostics.warn("invalid log level \"\(raw.truncatedForLog())\"; using info")
            }
        }

        var registry = PluginRegistry(environment: environment)
        for plugin in plugins { plugin.register(into: &registry) }
        HostBuiltinsPlugin().register(into: &registry)

        let propagator = ConfigurationResolvers.propagator(
            configuration.propagators, registry: registry, environment: environment)
        let sampler = ConfigurationResolvers.sampler(configuration.sampler, registry: registry, environment: environment)
        let limits = SpanLimits.resolve(environment, code: configuration.spanLimits)
        let fmtLayer = environment.resolveBool(
            "LAMBDA_TRACING_ENABLE_FMT_LAYER", code: configuration.enableFmtLayer, default: false)

        var processors = configuration.spanProcessors + registry.spanProcessors
        var exporterName = "custom"
        var queueSize: Int?
        if processors.isEmpty {
            let resolved = ConfigurationResolvers.exporter(
                configuration.exporter, registry: registry, environment: environment)
            exporterName = resolved.name
            let processor = LambdaSpanProcessor(
                exporter: resolved.exporter, maxQueueSize: configuration.queueSize, environment: environment)
            queueSize = processor.capacity
            processors = [processor]
        }
        if fmtLayer {
            let jsonFormat = environment.nonEmpty("AWS_LAMBDA_LOG_FORMAT")?.lowercased() == "json"
            processors.append(ConsoleSpanProcessor(json: jsonFormat))
        }
        let processor: any SpanProcessor = processors.count == 1 ? processors[0] : MultiSpanProcessor(processors)
        let idGenerator = configuration.idGenerator ?? RandomIDGenerator()

        func tracer(resource: OtelResource) -> OtelTracer {
            OtelTracer(
                pipeline: TracerPipeline(
                    sampler: sampler, idGenerator: idGenerator, processor: processor, resource: resource,
                    scope: .lambdaOtelLite, limits: limits, participants: registry.flushParticipants),
                propagator: propagator)
        }

        // The mode starts first: the resource reports the mode that really runs, after any fallback.
        let requested = ConfigurationResolvers.modeName(
            configuration.processingMode, registry: registry, environment: environment)
        if requested == .finalize && configuration.spanProcessors.isEmpty && registry.spanProcessors.isEmpty {
            Diagnostics.warn(
                "finalize mode with the default Lambda span processor exports only at shutdown; "
                    + "configure a BatchSpanProcessor in OtelConfiguration.spanProcessors")
        }
        let runtimeAPI = environment.nonEmpty("AWS_LAMBDA_RUNTIME_API")
        let managedInstances = ManagedInstances.isActive(environment)
        let startTracer = tracer(resource: OtelResource(attributes: [:]))
        let context = ProcessingModeContext(
            tracer: startTracer, environment: environment, runtimeAPI: runtimeAPI,
            isManagedInstances: managedInstances, exportInterval: ManagedInstances.exportInterval(environment),
            queueSize: queueSize)
        // On Managed Instances extensions get no INVOKE events: `async` becomes the background exporter.
        var running = managedInstances && requested == .async ? .background : requested
        var started: any InvocationCompletion
        do {
            started = try await (registry.mode(named: running.rawValue) ?? SyncProcessingMode()).start(context)
        } catch {
            Diagnostics.warn("processing mode \(running) could not start (\(error)); running as sync")
            running = .sync
            started = SyncCompletion(tracer: startTracer)
            if let sync = registry.mode(named: ProcessingModeName.sync.rawValue),
                let userSync = try? await sync.start(context)
            {
                started = userSync
            }
        }

        let settings = ResolvedConfiguration(
            processingMode: running, requestedProcessingMode: requested,
            extensionRegistered: started.registeredExtension, queueSize: queueSize, exporter: exporterName,
            spanLimits: limits, runtimeAPI: runtimeAPI, isManagedInstances: managedInstances)
        var resource = OtelResourceBuilder.build(
            environment: environment, detectors: registry.resourceDetectors, custom: nil
        ).merging(settings.resourceAttributes)
        if let custom = configuration.resourceAttributes { resource = resource.merging(custom) }
        let finalTracer = tracer(resource: resource)

        Diagnostics.info(settings.startupLine)
        return LambdaTelemetry(
            tracer: finalTracer, registry: registry, environment: environment, settings: settings,
            completion: ModeCompletion(started, tracer: finalTracer),
            initTiming: InitTiming.applies(environment) ? InitTiming(bootstrapStartNanos: bootstrapStart) : nil,
            logger: configuration.logger)
    }

    /// The processing mode that runs.
    public var processingMode: ProcessingModeName { settings.processingMode }

    /// `true` the first time it is called, `false` after: the cold-start flag of the invocation span.
    func consumeColdStart() -> Bool {
        coldStart.withLockedValue { flag in
            defer { flag = false }
            return flag
        }
    }
}

/// The started mode, guarded: when the mode needs the telemetry service and the service is not running, spans
/// are exported as in `sync` (with one error line) instead of waiting for a loop that nobody runs.
final class ModeCompletion: InvocationCompletion {
    let inner: any InvocationCompletion
    let tracer: OtelTracer
    private let serviceRunning = NIOLockedValueBox(false)

    init(_ inner: any InvocationCompletion, tracer: OtelTracer) {
        self.inner = inner
        self.tracer = tracer
    }

    var needsBackgroundWork: Bool { inner.needsBackgroundWork }
    var registeredExtension: Bool { inner.registeredExtension }

    func setServiceRunning(_ running: Bool) {
        serviceRunning.withLockedValue { $0 = running }
    }

    private var unserved: Bool {
        inner.needsBackgroundWork && !serviceRunning.withLockedValue { $0 }
    }

    func responseWillBeSent(_ invocation: InvocationContext) async {
        await inner.responseWillBeSent(invocation)
    }

    func invocationDidEnd(_ invocation: InvocationContext) async {
        if unserved {
            Diagnostics.errorOnce(
                "service-not-running",
                "the processing mode needs the telemetry service, which is not running: run the LambdaTelemetry "
                    + "beside the runtime (ServiceGroup or telemetry.run(alongside:)); exporting as in sync mode")
            await tracer.flush(before: invocation)
        }
        await inner.invocationDidEnd(invocation)
    }

    func run() async {
        await inner.run()
    }

    func shutdown() async {
        await inner.shutdown()
    }
}
