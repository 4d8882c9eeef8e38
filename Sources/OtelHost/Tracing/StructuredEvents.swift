import Instrumentation
public import Tracing
import NIOConcurrencyHelpers

/// The level of a structured event, with OpenTelemetry's severity numbers.
public enum EventLevel: Int, Sendable, Comparable, CaseIterable {
    /// `TRACE`, severity 1.
    case trace = 1
    /// `DEBUG`, severity 5.
    case debug = 5
    /// `INFO`, severity 9.
    case info = 9
    /// `WARN`, severity 13.
    case warn = 13
    /// `ERROR`, severity 17.
    case error = 17

    /// The severity text.
    public var text: String {
        switch self {
        case .trace: return "TRACE"
        case .debug: return "DEBUG"
        case .info: return "INFO"
        case .warn: return "WARN"
        case .error: return "ERROR"
        }
    }

    /// Orders levels by severity.
    public static func < (lhs: EventLevel, rhs: EventLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Parses `trace`, `debug`, `info`, `warn`/`warning` or `error`, in any case.
    public init?(parsing raw: String) {
        switch raw.trimmingASCIIWhitespace().lowercased() {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warn
        case "error": self = .error
        default: return nil
        }
    }

    /// The minimum level from `AWS_LAMBDA_LOG_LEVEL`, else `LOG_LEVEL`; `info` when unset or invalid.
    public static func minimum(from environment: OtelEnvironment) -> EventLevel {
        let raw = environment.nonEmpty("AWS_LAMBDA_LOG_LEVEL") ?? environment.nonEmpty("LOG_LEVEL")
        return raw.flatMap(EventLevel.init(parsing:)) ?? .info
    }

    /// The process's minimum level, read once.
    static let processMinimum = NIOLockedValueBox<EventLevel?>(nil)
}

/// Adds a structured event — a span event named `event`, a log record that travels with the trace — to the
/// current span: `event.severity_text`, `event.severity_number`, `event.body` (when the message is not empty) and
/// your attributes.
///
/// Events below the minimum level (`AWS_LAMBDA_LOG_LEVEL`, else `LOG_LEVEL`, default `info`; read once per
/// process) and events with no current recording span are dropped.
///
/// - Parameters:
///   - level: The event's level.
///   - message: The event body.
///   - name: The event's name; by default the message's first 64 characters (or the level, for an empty
///     message), so the event reads as what happened in a trace viewer.
///   - attributes: More attributes.
///   - minimumLevel: The level filter; the process's when `nil`.
///   - span: The span to add to; the current span when `nil`.
/// - Returns: Whether the event was added.
@discardableResult
public func recordEvent(
    _ level: EventLevel,
    _ message: String,
    name: String? = nil,
    attributes: SpanAttributes = [:],
    minimumLevel: EventLevel? = nil,
    span: (any Tracing.Span)? = nil
) -> Bool {
    let minimum = minimumLevel ?? EventLevel.processMinimum.withLockedValue { cached in
        if let cached { return cached }
        let level = EventLevel.minimum(from: .process())
        cached = level
        return level
    }
    guard level >= minimum else { return false }
    guard let target = span ?? OtelSpan.current, target.isRecording else { return false }
    var eventAttributes = attributes
    eventAttributes.set("event.severity_text", value: .string(level.text))
    eventAttributes.set("event.severity_number", value: .int64(Int64(level.rawValue)))
    if !message.isEmpty { eventAttributes.set("event.body", value: .string(message)) }
    let eventName = name ?? (message.isEmpty ? level.text.lowercased() : String(message.prefix(64)))
    target.addEvent(SpanEvent(name: eventName, attributes: eventAttributes))
    return true
}
