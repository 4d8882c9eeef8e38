public import Tracing

/// A plugin: an extension of the host that adds extractors, propagators, exporters, span processors,
/// processing modes, samplers or resource detectors.
///
/// Swift runs no code when a module loads, so plugins register through one explicit call:
/// ``LambdaTelemetry/bootstrap(configuration:plugins:environment:)`` folds ``register(into:)`` over the plugin
/// list, in order.
public protocol OtelPlugin: Sendable {
    /// Adds this plugin's parts to the registry.
    func register(into registry: inout PluginRegistry)
}

/// A plugin backed by a closure.
public struct ClosurePlugin: OtelPlugin {
    private let body: @Sendable (inout PluginRegistry) -> Void

    /// Creates a plugin that runs `body` to register its parts.
    public init(_ body: @escaping @Sendable (inout PluginRegistry) -> Void) {
        self.body = body
    }

    /// Runs the closure.
    public func register(into registry: inout PluginRegistry) {
        body(&registry)
    }
}

/// Makes an exporter once the environment is known; only the selected exporter is ever made.
package typealias SpanExporterFactory = @Sendable (OtelEnvironment) -> any SpanExporter

/// Makes a sampler from `OTEL_TRACES_SAMPLER_ARG` (or `nil` when the argument is unset).
package typealias SamplerFactory = @Sendable (_ argument: String?) -> any Sampler

/// The typed registries plugins add to.
///
/// Extractors keep their registration order: the first that recognises an event wins, so plugins listed first
/// (a user's) come before the built-ins. For named parts (propagators, exporters, processing modes, samplers)
/// the first registration of a name wins, so a user's plugin can replace a built-in by registering its name first.
public struct PluginRegistry: Sendable {
    /// The environment snapshot, for plugins that read their own variables.
    public let environment: OtelEnvironment

    /// The event extractors, in order.
    public private(set) var extractors: [any EventExtractor] = []
    private(set) var propagators: [(name: String, propagator: any TracePropagator)] = []
    private(set) var exporters: [(name: String, factory: SpanExporterFactory)] = []
    /// Span processors added by plugins; they run after the configuration's.
    public private(set) var spanProcessors: [any SpanProcessor] = []
    private(set) var modes: [(name: String, mode: any ProcessingMode)] = []
    private(set) var samplers: [(name: String, factory: SamplerFactory)] = []
    /// Resource detectors, applied in order; later ones win on a key collision.
    package private(set) var resourceDetectors: [any ResourceDetector] = []
    /// Signals written beside the spans (metrics), in registration order.
    package private(set) var flushParticipants: [any FlushParticipant] = []
    /// Process-wide installations (a metrics or logging backend) that only a global bootstrap performs.
    private(set) var processWideSetups: [@Sendable () -> Void] = []

    /// Creates an empty registry.
    public init(environment: OtelEnvironment) {
        self.environment = environment
    }

    /// Adds an event extractor after those already registered.
    public mutating func registerExtractor(_ extractor: any EventExtractor) {
        extractors.append(extractor)
    }

    /// Adds a propagator under a name that `OTEL_PROPAGATORS` can list.
    public mutating func registerPropagator(named name: String, _ propagator: any TracePropagator) {
        let key = name.lowercased()
        guard !propagators.contains(where: { $0.name == key }) else { return }
        propagators.append((key, propagator))
    }

    /// Adds an exporter under a name that `OTEL_TRACES_EXPORTER` can select.
    ///
    /// - Parameters:
    ///   - name: The name; compared without case.
    ///   - factory: Makes the exporter from the environment; only the selected exporter is ever made.
    public mutating func registerExporter(
        named name: String, _ factory: @escaping @Sendable (OtelEnvironment) -> any SpanExporter
    ) {
        let key = name.lowercased()
        guard !exporters.contains(where: { $0.name == key }) else { return }
        exporters.append((key, factory))
    }

    /// Adds a span processor; plugin processors run after those of the configuration.
    public mutating func registerSpanProcessor(_ processor: any SpanProcessor) {
        spanProcessors.append(processor)
    }

    /// Adds a processing mode under a name that `LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE` can select.
    public mutating func registerProcessingMode(named name: ProcessingModeName, _ mode: any ProcessingMode) {
        guard !modes.contains(where: { $0.name == name.rawValue }) else { return }
        modes.append((name.rawValue, mode))
    }

    /// Adds a sampler under a name that `OTEL_TRACES_SAMPLER` can select.
    ///
    /// - Parameters:
    ///   - name: The name; compared without case.
    ///   - factory: Makes the sampler from `OTEL_TRACES_SAMPLER_ARG` (`nil` when it is unset).
    public mutating func registerSampler(
        named name: String, _ factory: @escaping @Sendable (_ argument: String?) -> any Sampler
    ) {
        let key = name.lowercased()
        guard !samplers.contains(where: { $0.name == key }) else { return }
        samplers.append((key, factory))
    }

    /// Adds a resource detector: a function from the environment to resource attributes. Detectors run in
    /// registration order, after `OTEL_RESOURCE_ATTRIBUTES`; a later one wins on a key collision.
    ///
    /// - Parameter detect: Finds the attributes in the environment.
    public mutating func registerResourceDetector(_ detect: @escaping @Sendable (OtelEnvironment) -> SpanAttributes) {
        resourceDetectors.append(ClosureResourceDetector(body: detect))
    }

    /// Adds a resource detector.
    package mutating func registerResourceDetector(_ detector: some ResourceDetector) {
        resourceDetectors.append(detector)
    }

    /// Adds a signal that is written beside the spans, at each of their flushes and at shutdown.
    public mutating func registerFlushParticipant(_ participant: any FlushParticipant) {
        flushParticipants.append(participant)
    }

    /// Adds a process-wide installation: ``LambdaTelemetry/bootstrap(configuration:plugins:environment:)`` runs
    /// it once, after the telemetry is made and before it returns; ``LambdaTelemetry/make(configuration:plugins:environment:)``
    /// does not. A metrics plugin bootstraps swift-metrics' `MetricsSystem` this way.
    public mutating func registerProcessWideSetup(_ setup: @escaping @Sendable () -> Void) {
        processWideSetups.append(setup)
    }

    /// The names of the registered propagators, exporters, modes and samplers.
    public var propagatorNames: [String] { propagators.map(\.name) }
    /// The names of the registered exporters, in registration order.
    public var exporterNames: [String] { exporters.map(\.name) }
    /// The names of the registered processing modes.
    public var processingModeNames: [String] { modes.map(\.name) }
    /// The names of the registered samplers.
    public var samplerNames: [String] { samplers.map(\.name) }

    func propagator(named name: String) -> (any TracePropagator)? {
        propagators.first { $0.name == name }?.propagator
    }

    func exporterFactory(named name: String) -> SpanExporterFactory? {
        exporters.first { $0.name == name }?.factory
    }

    func mode(named name: String) -> (any ProcessingMode)? {
        modes.first { $0.name == name }?.mode
    }

    func samplerFactory(named name: String) -> SamplerFactory? {
        samplers.first { $0.name == name }?.factory
    }
}

/// The parts of the host that are always there: propagators, the three processing modes, samplers and the Lambda
/// resource.
struct HostBuiltinsPlugin: OtelPlugin {
    func register(into registry: inout PluginRegistry) {
        registry.registerPropagator(named: "tracecontext", W3CTraceContextPropagator())
        registry.registerPropagator(named: "xray", XRayPropagator())
        registry.registerPropagator(
            named: "xray-lambda",
            XRayLambdaPropagator(readsEnvironment: !ManagedInstances.isActive(registry.environment)))
        registry.registerPropagator(named: "none", NoOpPropagator())
        registry.registerProcessingMode(named: .sync, SyncProcessingMode())
        registry.registerProcessingMode(named: .async, AsyncProcessingMode())
        registry.registerProcessingMode(named: .finalize, FinalizeProcessingMode())
        registry.registerProcessingMode(named: .background, BackgroundProcessingMode())
        registry.registerResourceDetector(LambdaResourceDetector())
        registry.registerSampler(named: "always_on") { _ in AlwaysOnSampler() }
        registry.registerSampler(named: "always_off") { _ in AlwaysOffSampler() }
        registry.registerSampler(named: "traceidratio") { TraceIDRatioSampler(ratio: Self.ratio($0)) }
        registry.registerSampler(named: "parentbased_always_on") { _ in ParentBasedSampler(root: AlwaysOnSampler()) }
        registry.registerSampler(named: "parentbased_always_off") { _ in
            ParentBasedSampler(root: AlwaysOffSampler())
        }
        registry.registerSampler(named: "parentbased_traceidratio") {
            ParentBasedSampler(root: TraceIDRatioSampler(ratio: Self.ratio($0)))
        }
    }

    static func ratio(_ argument: String?) -> Double {
        guard let argument else { return 1 }
        guard let ratio = Double(argument.trimmingASCIIWhitespace()), ratio >= 0, ratio <= 1 else {
            Diagnostics.warn("invalid OTEL_TRACES_SAMPLER_ARG=\"\(argument.truncatedForLog())\" (expected 0...1); using 1.0")
            return 1
        }
        return ratio
    }
}
