/// Why an export failed: what could not be written, and where.
public struct ExportFailure: Error, Sendable, Hashable, CustomStringConvertible {
    package enum Reason: Hashable {
        case other
        /// The output did not take the line before the deadline.
        case timedOut
        /// The output cannot be written at all (stdout was not open at start).
        case unavailable
    }

    /// What went wrong.
    public let message: String
    package let reason: Reason

    /// Creates a failure.
    public init(_ message: String) {
        self.init(message, reason: .other)
    }

    package init(_ message: String, reason: Reason) {
        self.message = message
        self.reason = reason
    }

    /// Whether the line was given up because the output did not take it before the deadline.
    public var isTimeout: Bool { reason == .timedOut }

    /// The message.
    public var description: String { message }
}
