public import InMemoryLogging
public import Logging
import OtelHost

/// The library's warnings and errors that contain a text, logged while ``capture(_:isolation:)`` runs.
///
/// The library's diagnostics go to an in-memory logger for the work done inside `capture` (and the child tasks it
/// starts), so tests running in parallel each see their own; the text keeps one test's warnings apart from
/// another's within one capture.
public final class WarningCapture: Sendable {
    /// Where the diagnostics are kept.
    public let handler: InMemoryLogHandler
    /// The logger the diagnostics go to, at level `trace`.
    public let logger: Logger
    private let text: String

    /// Creates a capture.
    ///
    /// - Parameter text: What a captured message contains.
    public init(containing text: String) {
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "lambda-otel-lite") { _ in handler }
        logger.logLevel = .trace
        self.handler = handler
        self.logger = logger
        self.text = text
    }

    /// Runs `body` with the library's diagnostics going to ``logger``.
    ///
    /// - Parameters:
    ///   - body: The work whose diagnostics are captured.
    ///   - isolation: The caller's isolation.
    /// - Returns: What `body` returns.
    public func capture<T>(
        _ body: () async throws -> T, isolation: isolated (any Actor)? = #isolation
    ) async rethrows -> T {
        try await Diagnostics.withLogger(logger, body, isolation: isolation)
    }

    /// The captured warnings and errors that contain the text, in order.
    public var lines: [String] {
        handler.entries.filter { $0.level >= .warning }.map { "\($0.message)" }.filter { $0.contains(text) }
    }
}
