import Instrumentation
public import Tracing
import NIOConcurrencyHelpers

/// The configuration given in code. Environment variables win over every field they cover.
public struct OtelConfiguration: Sendable {
    /// Resource attributes merged on top of the detected resource.
    public var resourceAttributes: SpanAttributes?
    /// Propagator names, in order (`OTEL_PROPAGATORS` replaces them); default `["xray-lambda", "tracecontext"]`.
    public var propagators: [String]?
    /// Span processors, in order; when empty a ``LambdaSpanProcessor`` with the selected exporter is used.
    public var spanProcessors: [any SpanProcessor]
    /// The sampler (`OTEL_TRACES_SAMPLER` wins); parent-based always-on by default.
    public var sampler: (any Sampler)?
    /// The id generator; random by default (``XRayIDGenerator`` for X-Ray-compatible trace ids).
    public var idGenerator: (any IDGenerator)?
    /// The processing mode (`LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE` wins); `sync` by default.
    public var processingMode: ProcessingModeName?
    /// The Lambda span processor's queue size (`LAMBDA_SPAN_PROCESSOR_QUEUE_SIZE` wins); 2048 by default.
    public var queueSize: Int?
    /// The exporter's registered name (`OTEL_TRACES_EXPORTER` wins); the first registered exporter by default.
    public var exporter: String?
    /// Span limits (the `OTEL_*_LIMIT` variables win).
    public var spanLimits: SpanLimits
    /// Print each ended span to standard error (`LAMBDA_TRACING_ENABLE_FMT_LAYER` wins); off by default.
    public var enableFmtLayer: Bool?

    /// Creates a configuration; every field is optional.
    public init(
        resourceAttributes: SpanAttributes? = nil,
        propagators: [String]? = nil,
        spanProcessors: [any SpanProcessor] = [],
        sampler: (any Sampler)? = nil,
        idGenerator: (any IDGenerator)? = nil,
        processingMode: ProcessingModeName? = nil,
        queueSize: Int? = nil,
        exporter: String? = nil,
        spanLimits: SpanLimits = SpanLimits(),
        enableFmtLayer: Bool? = nil
    ) {
        self.resourceAttributes = resourceAttributes
        self.propagators = propagators
        self.spanProcessors = spanProcessors
        self.sampler = sampler
        self.idGenerator = idGenerator
        self.processingMode = processingMode
        self.queueSize = queueSize
        self.exporter = exporter
        self.spanLimits = spanLimits
        self.enableFmtLayer = enableFmtLayer
    }
}

/// The telemetry of a Lambda function: the tracer, the completion handler and the registered plugins.
///
/// Make one at start-up with ``bootstrap(configuration:plugins:environment:)`` (the Swift form of the original
/// crate's `init_telemetry`), then wrap the handler with it.
public final class LambdaTelemetry: Sendable {
    /// The tracer.
    public let tracer: OtelTracer
    /// Called after each invocation; what it does depends on the processing mode.
    public let completionHandler: TelemetryCompletionHandler
    /// The registry the plugins filled.
    public let registry: PluginRegistry
    /// The environment snapshot the configuration was resolved from.
    public let environment: OtelEnvironment
    /// Whether each ended span is printed to standard error.
    public let fmtLayerEnabled: Bool

    private static let bootstrapped = NIOLockedValueBox(false)

    init(
        tracer: OtelTracer, completionHandler: TelemetryCompletionHandler, registry: PluginRegistry,
        environment: OtelEnvironment, fmtLayerEnabled: Bool
    ) {
        self.tracer = tracer
        self.completionHandler = completionHandler
        self.registry = registry
        self.environment = environment
        self.fmtLayerEnabled = fmtLayerEnabled
    }

    /// Initialises telemetry and makes it the process's tracer (`InstrumentationSystem.bootstrap`).
    ///
    /// Call it once, at start-up. A second call returns new telemetry without touching the global tracer.
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
        let telemetry = await make(configuration: configuration, plugins: plugins, environment: environment)
        let first = bootstrapped.withLockedValue { done in
            defer { done = true }
            return !done
        }
        if first {
            InstrumentationSystem.bootstrap(telemetry.tracer)
        } else {
            Diagnostics.warn("LambdaTelemetry.bootstrap called more than once; the first tracer stays global")
        }
        return telemetry
    }

    /// Initialises telemetry without making it global; scope it with `withTracer(telemetry.tracer) { … }`.
    ///
    /// Tests use this form so they can run in parallel.
    public static func make(
        configuration: OtelConfiguration = OtelConfiguration(),
        plugins: [any OtelPlugin],
        environment: OtelEnvironment = .process()
    ) async -> LambdaTelemetry {
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

        let resource = OtelResourceBuilder.build(
            environment: environment, detectors: registry.resourceDetectors,
            custom: configuration.resourceAttributes)
        let propagator = resolvePropagator(configuration.propagators, registry: registry, environment: environment)
        let sampler = resolveSampler(configuration.sampler, registry: registry, environment: environment)
        let limits = SpanLimits.resolve(environment, code: configuration.spanLimits)
        let fmtLayer = environment.resolveBool(
            "LAMBDA_TRACING_ENABLE_FMT_LAYER", code: configuration.enableFmtLayer, default: false)

        var processors = configuration.spanProcessors + registry.spanProcessors
        if processors.isEmpty {
            let exporter = resolveExporter(configuration.exporter, registry: registry, environment: environment)
            processors = [LambdaSpanProcessor(
                exporter: exporter, maxQueueSize: configuration.queueSize, environment: environment)]
        }
        if fmtLayer {
            let jsonFormat = environment.nonEmpty("AWS_LAMBDA_LOG_FORMAT")?.lowercased() == "json"
            processors.append(ConsoleSpanProcessor(json: jsonFormat))
        }
        let processor: any SpanProcessor = processors.count == 1 ? processors[0] : MultiSpanProcessor(processors)

        let tracer = OtelTracer(
            pipeline: TracerPipeline(
                sampler: sampler,
                idGenerator: configuration.idGenerator ?? RandomIDGenerator(),
                processor: processor,
                resource: resource,
                scope: .lambdaOtelLite,
                limits: limits),
            propagator: propagator)

        let modeName = resolveModeName(configuration.processingMode, registry: registry, environment: environment)
        if modeName == .finalize && configuration.spanProcessors.isEmpty && registry.spanProcessors.isEmpty {
            Diagnostics.warn(
                "finalize mode with the default Lambda span processor exports only at shutdown; "
                    + "configure a BatchSpanProcessor in OtelConfiguration.spanProcessors")
        }
        let context = ProcessingModeContext(
            tracer: tracer, environment: environment, runtimeAPI: environment.nonEmpty("AWS_LAMBDA_RUNTIME_API"))
        let completion = TelemetryCompletionHandler(
            name: modeName, mode: registry.mode(named: modeName.rawValue) ?? SyncProcessingMode(), context: context)
        return LambdaTelemetry(
            tracer: tracer, completionHandler: completion, registry: registry, environment: environment,
            fmtLayerEnabled: fmtLayer)
    }

    /// The processing mode that is running.
    public var processingMode: ProcessingModeName { completionHandler.mode }

    /// Starts the processing mode: in `async` and `finalize` modes this registers the internal extension with
    /// the Extensions API. The runtime calls it during initialisation, before its first `next`; call it yourself
    /// when you drive the Runtime API with another runtime.
    ///
    /// - Parameter runtimeAPI: The Runtime API address, when it is not `AWS_LAMBDA_RUNTIME_API`.
    public func start(runtimeAPI: String? = nil) async {
        await completionHandler.start(runtimeAPI: runtimeAPI)
    }

    private let coldStart = NIOLockedValueBox(true)

    /// `true` the first time it is called, `false` after: the cold-start flag of the invocation span.
    func consumeColdStart() -> Bool {
        coldStart.withLockedValue { flag in
            defer { flag = false }
            return flag
        }
    }

    static func resolveModeName(
        _ code: ProcessingModeName?, registry: PluginRegistry, environment: OtelEnvironment
    ) -> ProcessingModeName {
        var fallback = ProcessingModeName.sync
        if let code {
            if registry.mode(named: code.rawValue) != nil {
                fallback = code
            } else {
                Diagnostics.warn("unknown processing mode \"\(code)\" in code; using sync")
            }
        }
        guard let raw = environment.nonEmpty(ProcessingModeName.variable) else { return fallback }
        let name = ProcessingModeName(raw)
        guard registry.mode(named: name.rawValue) != nil else {
            Diagnostics.warn(
                "invalid \(ProcessingModeName.variable)=\"\(raw.truncatedForLog())\" (expected one of "
                    + "\(registry.processingModeNames.joined(separator: ", "))); using \(fallback)")
            return fallback
        }
        return name
    }

    static func resolvePropagator(
        _ code: [String]?, registry: PluginRegistry, environment: OtelEnvironment
    ) -> any TracePropagator {
        /// The propagators named, or `nil` when no name is known (then the caller warns once).
        func build(_ names: [String], source: String) -> [any TracePropagator]? {
            var seen: Set<String> = []
            var members: [any TracePropagator] = []
            var unknown: [String] = []
            for raw in names {
                let name = raw.trimmingASCIIWhitespace().lowercased()
                guard !name.isEmpty, seen.insert(name).inserted, name != "none" else { continue }
                if let propagator = registry.propagator(named: name) {
                    members.append(propagator)
                } else {
                    unknown.append(name)
                }
            }
            if seen == ["none"] { return [] }
            guard !members.isEmpty else { return nil }
            for name in unknown {
                Diagnostics.warn("unknown propagator \"\(name.truncatedForLog())\" in \(source); skipped")
            }
            return members
        }
        var members = build(["xray-lambda", "tracecontext"], source: "defaults") ?? []
        if let code {
            if let fromCode = build(code, source: "the configuration") {
                members = fromCode
            } else {
                Diagnostics.warn("the configuration names no known propagator (\(code.joined(separator: ","))); ignored")
            }
        }
        if let raw = environment["OTEL_PROPAGATORS"], !raw.trimmingASCIIWhitespace().isEmpty {
            if let fromEnvironment = build(raw.split(separator: ",").map(String.init), source: "OTEL_PROPAGATORS") {
                members = fromEnvironment
            } else {
                Diagnostics.warn("OTEL_PROPAGATORS=\"\(raw.truncatedForLog())\" names no known propagator; ignored")
            }
        }
        return members.isEmpty ? NoOpPropagator() : CompositePropagator(members)
    }

    static func resolveSampler(
        _ code: (any Sampler)?, registry: PluginRegistry, environment: OtelEnvironment
    ) -> any Sampler {
        let fallback = code ?? ParentBasedSampler(root: AlwaysOnSampler())
        guard let raw = environment.nonEmpty("OTEL_TRACES_SAMPLER") else { return fallback }
        let name = raw.lowercased()
        guard let factory = registry.samplerFactory(named: name) else {
            Diagnostics.warn(
                "invalid OTEL_TRACES_SAMPLER=\"\(raw.truncatedForLog())\" (expected one of "
                    + "\(registry.samplerNames.joined(separator: ", "))); using \(fallback.description)")
            return fallback
        }
        return factory(environment.nonEmpty("OTEL_TRACES_SAMPLER_ARG"))
    }

    static func resolveExporter(
        _ code: String?, registry: PluginRegistry, environment: OtelEnvironment
    ) -> any SpanExporter {
        var name = registry.exporterNames.first
        if let code {
            if registry.exporterFactory(named: code.lowercased()) != nil {
                name = code.lowercased()
            } else {
                Diagnostics.warn("unknown exporter \"\(code)\" in code; using \(name ?? "none")")
            }
        }
        if let raw = environment.nonEmpty("OTEL_TRACES_EXPORTER") {
            if registry.exporterFactory(named: raw.lowercased()) != nil {
                name = raw.lowercased()
            } else if raw.lowercased() == "none" {
                return NoOpSpanExporter()
            } else {
                Diagnostics.warn(
                    "invalid OTEL_TRACES_EXPORTER=\"\(raw.truncatedForLog())\" (registered: "
                        + "\(registry.exporterNames.joined(separator: ", "))); using \(name ?? "none")")
            }
        }
        guard let name, let factory = registry.exporterFactory(named: name) else {
            Diagnostics.warn("no span exporter is registered: spans are not exported (add the stdout exporter plugin)")
            return NoOpSpanExporter()
        }
        return factory(environment)
    }
}
