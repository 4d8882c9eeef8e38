public import Logging
public import ServiceLifecycle
import UnixSignals

extension LambdaTelemetry {
    /// Runs the telemetry beside a runtime until the runtime ends; SIGTERM shuts both down gracefully.
    ///
    /// It is `ServiceGroup(services: [runtime, telemetry], gracefulShutdownSignals: [.sigterm])`: on SIGTERM the
    /// telemetry exports every queued span first (within ``shutdownBudget``), then the runtime stops, and the call
    /// returns, so the process ends normally. Build the group yourself to add services of your own.
    ///
    /// - Parameters:
    ///   - runtime: The runtime (`LambdaRuntime` or `LambdaManagedRuntime`).
    ///   - logger: The service group's logger.
    /// - Throws: What the runtime throws (an init failure such as a port in use).
    public func run(alongside runtime: some Service, logger: Logger = Logger(label: "lambda-otel-lite")) async throws {
        let group = ServiceGroup(
            services: [runtime, self], gracefulShutdownSignals: [.sigterm], cancellationSignals: [], logger: logger)
        try await group.run()
    }
}
