/// An error of the telemetry machinery, with a stable code a caller can switch on.
///
/// Telemetry never throws into a handler; these errors reach callers of the lower-level APIs (a processing
/// mode's `start`, an exporter) and appear in the diagnostics.
public struct LambdaTelemetryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added; switch with a `default`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case extensionAPIUnavailable
            case extensionRegistrationRefused
            case extensionAPIFailed
            case timedOut
            case badConfiguration
        }

        private let value: Value

        /// There is no Extensions API to talk to (`AWS_LAMBDA_RUNTIME_API` is unset or not an address).
        public static let extensionAPIUnavailable = Code(value: .extensionAPIUnavailable)
        /// The Extensions API refused to register the internal extension.
        public static let extensionRegistrationRefused = Code(value: .extensionRegistrationRefused)
        /// A call to the Extensions API failed after registration.
        public static let extensionAPIFailed = Code(value: .extensionAPIFailed)
        /// An operation (an export, a registration) did not finish in the time it was given.
        public static let timedOut = Code(value: .timedOut)
        /// A configuration value cannot be used.
        public static let badConfiguration = Code(value: .badConfiguration)

        /// The code's name.
        public var description: String {
            switch value {
            case .extensionAPIUnavailable: return "extensionAPIUnavailable"
            case .extensionRegistrationRefused: return "extensionRegistrationRefused"
            case .extensionAPIFailed: return "extensionAPIFailed"
            case .timedOut: return "timedOut"
            case .badConfiguration: return "badConfiguration"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// What happened, in words.
    public let message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What happened.
    public init(code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
