package import Logging
import NIOConcurrencyHelpers

/// The library's own diagnostics: warnings and errors about telemetry.
///
/// They go to the logger given in ``OtelConfiguration/logger`` while the telemetry that has it works (its
/// bootstrap, its invocations, its service); elsewhere, and when no logger is given, to standard error, at the
/// level of `AWS_LAMBDA_LOG_LEVEL`, else `LOG_LEVEL` (default `info`). Standard output belongs to the telemetry
/// lines, so the library never logs there.
package enum Diagnostics {
    private static let state = NIOLockedValueBox(State())

    private struct State {
        var logger: Logger = Diagnostics.makeLogger(level: .info)
        var onceKeys: Set<String> = []
    }

    /// The logger of the telemetry whose work runs in this task, when its configuration gave one.
    @TaskLocal private static var injected: Logger?

    /// Runs `body` with the library's diagnostics going to `logger`.
    package static func withLogger<T>(
        _ logger: Logger?, _ body: () async throws -> T, isolation: isolated (any Actor)? = #isolation
    ) async rethrows -> T {
        guard let logger else { return try await body() }
        return try await $injected.withValue(logger, operation: body, isolation: isolation)
    }

    static func makeLogger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "lambda-otel-lite") { label in
            StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = level
        return logger
    }

    /// The logger the library writes its diagnostics with here: the injected one, else the standard-error one.
    package static var logger: Logger {
        injected ?? state.withLockedValue { $0.logger }
    }

    /// Sets the level of the standard-error logger.
    package static func configure(level: Logger.Level) {
        state.withLockedValue { $0.logger.logLevel = level }
    }

    /// Parses a log level name as `AWS_LAMBDA_LOG_LEVEL` and `LOG_LEVEL` spell it.
    package static func parseLevel(_ raw: String) -> Logger.Level? {
        switch raw.trimmingASCIIWhitespace().lowercased() {
        case "trace": return .trace
        case "debug": return .debug
        case "info": return .info
        case "warn", "warning": return .warning
        case "error": return .error
        case "fatal", "critical", "none", "off": return .critical
        default: return nil
        }
    }

    /// Whether debug diagnostics are logged.
    package static var isDebugEnabled: Bool {
        logger.logLevel <= .debug
    }

    /// Logs what the library decided, at debug level; the message is only built when debug is on.
    package static func debug(_ message: @autoclosure () -> String) {
        let logger = self.logger
        guard logger.logLevel <= .debug else { return }
        logger.debug("\(message())")
    }

    package static func info(_ message: @autoclosure () -> String) {
        emit(.info, message())
    }

    package static func warn(_ message: @autoclosure () -> String) {
        emit(.warning, message())
    }

    package static func error(_ message: @autoclosure () -> String) {
        emit(.error, message())
    }

    /// Logs a warning only the first time `key` is seen in this process.
    package static func warnOnce(_ key: String, _ message: @autoclosure () -> String) {
        let first = state.withLockedValue { $0.onceKeys.insert(key).inserted }
        if first { emit(.warning, message()) }
    }

    /// Logs an error only the first time `key` is seen in this process.
    package static func errorOnce(_ key: String, _ message: @autoclosure () -> String) {
        let first = state.withLockedValue { $0.onceKeys.insert(key).inserted }
        if first { emit(.error, message()) }
    }

    /// Forgets that `key` was logged, so a later failure of the same kind is logged again.
    package static func resetOnce(_ key: String) {
        _ = state.withLockedValue { $0.onceKeys.remove(key) }
    }

    private static func emit(_ level: Logger.Level, _ message: String) {
        logger.log(level: level, "\(message)")
    }
}
