package import Logging
import NIOConcurrencyHelpers

/// The library's own diagnostics: warnings and errors about telemetry, written to standard error.
///
/// Standard output belongs to the telemetry lines, so the library never logs there. The level comes from
/// `AWS_LAMBDA_LOG_LEVEL`, else `LOG_LEVEL` (default `info`).
package enum Diagnostics {
    private static let state = NIOLockedValueBox(State())

    private struct State {
        var logger: Logger = Diagnostics.makeLogger(level: .info)
        var onceKeys: Set<String> = []
        var recorder: (@Sendable (Logger.Level, String) -> Void)?
        var observers: [UInt64: @Sendable (Logger.Level, String) -> Void] = [:]
        var nextObserver: UInt64 = 0
    }

    static func makeLogger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "lambda-otel-lite") { label in
            StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = level
        return logger
    }

    /// The logger the library writes its diagnostics with.
    package static var logger: Logger {
        state.withLockedValue { $0.logger }
    }

    /// Sets the level of the library's diagnostics.
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

    /// Installs a hook that sees every diagnostic; used by tests to assert on warnings.
    package static func setRecorder(_ recorder: (@Sendable (Logger.Level, String) -> Void)?) {
        state.withLockedValue { $0.recorder = recorder }
    }

    /// Whether debug diagnostics are logged (or observed by a test).
    package static var isDebugEnabled: Bool {
        state.withLockedValue { $0.logger.logLevel <= .debug || $0.recorder != nil || !$0.observers.isEmpty }
    }

    /// Logs what the library decided, at debug level; the message is only built when debug is on.
    package static func debug(_ message: @autoclosure () -> String) {
        let (enabled, recording) = state.withLockedValue {
            ($0.logger.logLevel <= .debug, $0.recorder != nil || !$0.observers.isEmpty)
        }
        guard enabled || recording else { return }
        emit(.debug, message())
    }

    package static func info(_ message: @autoclosure () -> String) {
        emit(.info, message())
    }

    /// Adds a hook that sees every diagnostic, next to the recorder and to other observers (tests running in
    /// parallel each add their own); returns the token that removes it.
    package static func addObserver(_ observer: @escaping @Sendable (Logger.Level, String) -> Void) -> UInt64 {
        state.withLockedValue { state in
            state.nextObserver += 1
            state.observers[state.nextObserver] = observer
            return state.nextObserver
        }
    }

    /// Removes a hook added with ``addObserver(_:)``.
    package static func removeObserver(_ token: UInt64) {
        _ = state.withLockedValue { $0.observers.removeValue(forKey: token) }
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
        let (logger, recorder, observers) = state.withLockedValue { ($0.logger, $0.recorder, $0.observers) }
        recorder?(level, message)
        for observer in observers.values { observer(level, message) }
        logger.log(level: level, "\(message)")
    }
}
