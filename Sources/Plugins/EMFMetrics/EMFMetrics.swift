import CoreMetrics
public import OtelHost
@_exported public import OtelPluginSupport
import NIOConcurrencyHelpers
import Tracing

/// Metrics with no network: a swift-metrics backend whose values leave as CloudWatch Embedded Metric Format (EMF)
/// lines on standard output, which CloudWatch Logs turns into metrics.
///
/// Add it to the plugin list; ``LambdaTelemetry/bootstrap(configuration:plugins:environment:)`` then makes its
/// ``factory`` swift-metrics' `MetricsSystem` factory, so `Counter(label:)`, `Timer(label:)`, `Meter(label:)` and
/// `Recorder(label:)` anywhere in the process land here:
///
/// ```swift
/// let telemetry = await LambdaTelemetry.bootstrap(plugins: [EMFMetrics()] + .defaults)
/// ```
///
/// Values are aggregated between two flushes and written at the moments the spans are: before the response in
/// `sync` mode, after it in `async` mode and on the background exporter's interval, at the end of each invocation
/// in `finalize` mode, and at shutdown. The otlp-stdout lines are not changed; an EMF line is a separate line.
///
/// Settings (environment variables win over code):
/// - `OTEL_LITE_METRICS_NAMESPACE`: the CloudWatch namespace; `LambdaOtelLite` by default.
/// - `OTEL_LITE_METRICS_BUILTIN`: `true` adds the telemetry's own metrics: `ColdStart` (1 on a cold start),
///   `InitDuration` (milliseconds), `SpansExported`, `SpansDropped` and `ExportBytes` since the last flush.
/// - `OTEL_LITE_METRICS_HIGH_RESOLUTION`: `true` writes one-second storage resolution.
///
/// Every metric carries a `service` dimension (`OTEL_SERVICE_NAME`, else the function name) unless
/// `defaultDimensions` says otherwise.
public final class EMFMetrics: OtelPlugin {
    /// The swift-metrics backend.
    public let factory = EMFMetricsFactory()

    private let code: Settings
    private let output: any OtlpLineOutput
    private let bootstrapsMetricsSystem: Bool

    /// The namespace variable.
    public static let namespaceVariable = "OTEL_LITE_METRICS_NAMESPACE"
    /// The built-in metrics switch.
    public static let builtinVariable = "OTEL_LITE_METRICS_BUILTIN"
    /// The high-resolution switch.
    public static let highResolutionVariable = "OTEL_LITE_METRICS_HIGH_RESOLUTION"
    /// The namespace when none is set.
    public static let defaultNamespace = "LambdaOtelLite"

    private struct Settings: Sendable {
        var namespace: String?
        var defaultDimensions: [(String, String)]?
        var builtinMetrics: Bool?
        var highResolution: Bool?
    }

    /// Creates the plugin.
    ///
    /// - Parameters:
    ///   - namespace: The CloudWatch namespace; `OTEL_LITE_METRICS_NAMESPACE` wins, ``defaultNamespace`` when
    ///     neither is set.
    ///   - defaultDimensions: Dimensions every metric carries; `service` = the service name when `nil`, none
    ///     when empty.
    ///   - builtinMetrics: Whether to write the telemetry's own metrics; `OTEL_LITE_METRICS_BUILTIN` wins.
    ///   - highResolution: One-second storage resolution; `OTEL_LITE_METRICS_HIGH_RESOLUTION` wins.
    ///   - bootstrapsMetricsSystem: Whether a global telemetry bootstrap makes ``factory`` the `MetricsSystem`
    ///     factory. When the process bootstrapped `MetricsSystem` with another backend already, one warning says
    ///     so and only metrics made with `factory:` ``factory`` (and the built-ins) are written. swift-metrics
    ///     allows one bootstrap per process and cannot tell whether its no-op backend was bootstrapped on purpose:
    ///     if your code calls `MetricsSystem.bootstrap` itself (a multiplexing backend, or the no-op one to turn
    ///     metrics off), pass `false` and use ``factory`` there.
    ///   - output: Where the lines go; standard output, shared with the otlp-stdout exporter, by default.
    public init(
        namespace: String? = nil,
        defaultDimensions: [(String, String)]? = nil,
        builtinMetrics: Bool? = nil,
        highResolution: Bool? = nil,
        bootstrapsMetricsSystem: Bool = true,
        output: (any OtlpLineOutput)? = nil
    ) {
        code = Settings(
            namespace: namespace, defaultDimensions: defaultDimensions, builtinMetrics: builtinMetrics,
            highResolution: highResolution)
        self.output = output ?? FileDescriptorLineOutput.standardOutput
        self.bootstrapsMetricsSystem = bootstrapsMetricsSystem
    }

    /// Resolves the settings from the registry's environment, and registers the writer and the `MetricsSystem`
    /// bootstrap.
    public func register(into registry: inout PluginRegistry) {
        let environment = registry.environment
        let namespace = (environment.nonEmpty(Self.namespaceVariable) ?? code.namespace)
            .map { String($0.trimmingASCIIWhitespace().prefix(255)) }
            .flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultNamespace
        let service = environment.nonEmpty("OTEL_SERVICE_NAME") ?? environment.nonEmpty("AWS_LAMBDA_FUNCTION_NAME")
            ?? "unknown_service"
        let dimensions = code.defaultDimensions ?? [("service", service)]
        let high = environment.resolveBool(Self.highResolutionVariable, code: code.highResolution, default: false)
        registry.registerFlushParticipant(EMFWriter(
            store: factory.store, output: output,
            encoder: EMFEncoder(namespace: namespace, defaultDimensions: dimensions, storageResolution: high ? 1 : 60),
            builtin: environment.resolveBool(Self.builtinVariable, code: code.builtinMetrics, default: false)))
        if bootstrapsMetricsSystem {
            let factory = self.factory
            registry.registerProcessWideSetup {
                if MetricsSystem.factory is NOOPMetricsHandler {
                    MetricsSystem.bootstrap(factory)
                } else {
                    Diagnostics.warn(
                        "MetricsSystem was bootstrapped already; EMF lines carry only the metrics made with "
                            + "EMFMetrics.factory and the built-in ones")
                }
            }
        }
    }

}

/// Writes the plugin's series at each flush: the settings resolved when the plugin registered, and the process's
/// counters as they were at the last flush (for the built-in metrics).
final class EMFWriter: FlushParticipant {
    let store: SeriesStore
    let output: any OtlpLineOutput
    let encoder: EMFEncoder
    let builtin: Bool
    private let statistics = TelemetryStatistics.process
    private let lastStatistics: NIOLockedValueBox<TelemetryStatistics.Snapshot>

    init(store: SeriesStore, output: any OtlpLineOutput, encoder: EMFEncoder, builtin: Bool) {
        self.store = store
        self.output = output
        self.encoder = encoder
        self.builtin = builtin
        lastStatistics = NIOLockedValueBox(TelemetryStatistics.process.snapshot())
    }

    var hasPendingData: Bool {
        if store.hasUpdates { return true }
        guard builtin else { return false }
        let last = lastStatistics.withLockedValue { $0 }
        return statistics.snapshot() != last
    }

    func flush() async { write() }

    /// The lines for what was recorded since the last call, stamped `timestampMs`.
    func takeLines(timestampMs: Int64) -> [[UInt8]] {
        var metrics = store.drain()
        if builtin { metrics += builtinMetrics() }
        guard !metrics.isEmpty else { return [] }
        return encoder.lines(metrics, timestampMs: timestampMs)
    }

    private func builtinMetrics() -> [DrainedMetric] {
        let statistics = self.statistics
        // Read and replaced under one lock: two flushes at once never count the same spans twice.
        let (before, now) = lastStatistics.withLockedValue { last in
            let now = statistics.snapshot()
            defer { last = now }
            return (last, now)
        }
        guard now != before else { return [] }
        var metrics: [DrainedMetric] = []
        func add(_ name: String, _ unit: String, _ value: Double) {
            metrics.append(DrainedMetric(name: name, unit: unit, dimensions: [], values: [value]))
        }
        if now.coldStarts > before.coldStarts {
            add("ColdStart", "Count", 1)
            if let nanos = now.initDurationNanos { add("InitDuration", "Milliseconds", Double(nanos) / 1_000_000) }
        }
        add("SpansExported", "Count", Double(now.spansExported - before.spansExported))
        add("SpansDropped", "Count", Double(now.spansDropped - before.spansDropped))
        add("ExportBytes", "Bytes", Double(now.exportedBytes - before.exportedBytes))
        return metrics
    }

    /// Writes what was recorded since the last flush; a line the output does not take by the flush's deadline
    /// (200 ms when it has none) is dropped, with one warning per episode.
    private func write() {
        let lines = takeLines(timestampMs: DefaultTracerClock.now.nanosecondsSinceEpoch.millisecondsSinceEpoch)
        guard !lines.isEmpty else { return }
        let deadline = ExportDeadline.current ?? .now + .milliseconds(FileDescriptorLineOutput.defaultWriteTimeoutMs)
        var failed = 0
        var failure: ExportFailure?
        for line in lines {
            let lineFailure: ExportFailure? = line.withUnsafeBytes { bytes -> ExportFailure? in
                do throws(ExportFailure) {
                    try output.writeLine(bytes, deadline: deadline)
                    return nil
                } catch {
                    return error
                }
            }
            if let lineFailure {
                failed += 1
                failure = failure ?? lineFailure
            }
        }
        if let failure {
            Diagnostics.warnOnce(
                "emf-write", "EMF metrics: \(failed) of \(lines.count) lines dropped: \(failure.message)")
        } else {
            Diagnostics.resetOnce("emf-write")
        }
    }
}

extension UInt64 {
    fileprivate var millisecondsSinceEpoch: Int64 { Int64(clamping: self / 1_000_000) }
}
