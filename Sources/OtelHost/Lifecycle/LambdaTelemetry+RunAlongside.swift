public import Logging
public import ServiceLifecycle
import UnixSignals

extension LambdaTelemetry {
    /// Runs the telemetry beside a runtime until the runtime ends; SIGTERM shuts both down gracefully.
    ///
    /// It is a `ServiceGroup` of the runtime and the telemetry with SIGTERM as its graceful-shutdown signal: on
    /// SIGTERM the telemetry exports every queued span first (within ``shutdownBudget``), then the runtime stops,
    /// and the call returns, so the process ends normally. When the runtime ends on its own (its connection to the
    /// Runtime API lost), one warning says so, the telemetry exports what is queued and the call returns. Build the
    /// group yourself to add services of your own; list the runtime first, so that the telemetry, shut down first,
    /// exports before the runtime goes.
    ///
    /// - Parameters:
    ///   - runtime: The runtime (`LambdaRuntime` or `LambdaManagedRuntime`).
    ///   - logger: The service group's logger; by default the configuration's logger, else one labelled
    ///     `lambda-otel-lite`.
    /// - Throws: ``LambdaTelemetryError`` with ``LambdaTelemetryError/Code/badConfiguration`` when
    ///   `AWS_LAMBDA_RUNTIME_API` is not `host:port`, and what the runtime throws (a port in use), unchanged.
    public func run(alongside runtime: some Service, logger: Logger? = nil) async throws {
        if let address = settings.runtimeAPI, !Self.isHostAndPort(address) {
            throw LambdaTelemetryError(
                code: .badConfiguration,
                "AWS_LAMBDA_RUNTIME_API=\"\(address.truncatedForLog())\" is not host:port, so the runtime cannot start")
        }
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(
                    service: RuntimeEndWatch(base: runtime), successTerminationBehavior: .gracefullyShutdownGroup,
                    serviceName: "runtime"),
                .init(service: self, serviceName: "telemetry"),
            ],
            logger: logger ?? self.logger ?? Logger(label: "lambda-otel-lite"))
        configuration.gracefulShutdownSignals = [.sigterm]
        try await ServiceGroup(configuration: configuration).run()
    }

    /// Whether the Runtime API address has the form swift-aws-lambda-runtime reads: `host:port`.
    static func isHostAndPort(_ address: String) -> Bool {
        let parts = address.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]) else { return false }
        return (1...65535).contains(port)
    }
}

/// Runs the runtime and says so, once on stderr, when its loop ends on its own.
///
/// swift-aws-lambda-runtime's loop returns normally, and the process would end with status 0 and no word, when its
/// connection to the Runtime API is lost or its task is cancelled. The telemetry still exports what is queued;
/// the line says why the function stopped.
struct RuntimeEndWatch<Base: Service>: Service {
    let base: Base

    func run() async throws {
        try await base.run()
        if !Task.isShuttingDownGracefully && !Task.isCancelled {
            Diagnostics.warn(
                "the runtime's loop ended without SIGTERM or cancellation (swift-aws-lambda-runtime ends it "
                    + "quietly when its connection to the Runtime API is lost); queued spans are exported, then the "
                    + "process ends")
        }
    }
}
