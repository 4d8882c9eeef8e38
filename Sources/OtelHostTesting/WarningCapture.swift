import Logging
import NIOConcurrencyHelpers
import OtelHost

/// The library's warnings and errors that contain a text, seen while this object lives.
///
/// Tests running in parallel each keep their own capture; the text keeps one test's warnings apart from another's.
public final class WarningCapture: Sendable {
    private let messages = NIOLockedValueBox<[String]>([])
    private let token: UInt64

    /// Starts capturing.
    ///
    /// - Parameter text: What a captured message contains.
    public init(containing text: String) {
        let messages = self.messages
        token = Diagnostics.addObserver { level, message in
            if level >= .warning && message.contains(text) { messages.withLockedValue { $0.append(message) } }
        }
    }

    deinit { Diagnostics.removeObserver(token) }

    /// The captured messages, in order.
    public var lines: [String] { messages.withLockedValue { $0 } }
}
