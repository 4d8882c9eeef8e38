public import Logging
import OtelHost
import Tracing

/// A swift-log handler that adds each record at or above a level to the current span as a `log.record` event,
/// so the logs of an invocation show on its trace; every record is passed on to the handler it wraps.
///
/// An event carries `event.severity_text` and `event.severity_number` (OpenTelemetry's numbers), `event.body`
/// (the message), `log.logger` (the logger's label), `log.source`, `code.file.path`, `code.function.name`,
/// `code.line.number`, `exception.type` and `exception.message` when the record carries an error, and the
/// record's metadata (the handler's, its metadata provider's and the call's, the call's winning), each key as an
/// attribute. The span limits apply: `OTEL_SPAN_EVENT_COUNT_LIMIT` events per span (later ones are counted as
/// dropped), `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT` attributes per event, `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` per value.
/// A record logged where no span is current (or the current span is not sampled) is only passed on.
///
/// ```swift
/// LoggingSystem.bootstrap { label in
///     SpanEventLogHandler(label: label, wrapping: StreamLogHandler.standardError(label: label))
/// }
/// ```
public struct SpanEventLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// The lowest level recorded as a span event.
    public let eventLevel: Logger.Level
    private var wrapped: (any LogHandler)?
    private var ownLevel: Logger.Level
    private var ownMetadata: Logger.Metadata = [:]
    private var ownProvider: Logger.MetadataProvider?

    /// Creates the handler.
    ///
    /// - Parameters:
    ///   - label: The logger's label.
    ///   - eventLevel: The lowest level recorded as a span event; `info` by default.
    ///   - handler: The handler every record is passed on to (your own, or `StreamLogHandler`); none when `nil`.
    public init(label: String, eventLevel: Logger.Level = .info, wrapping handler: (any LogHandler)? = nil) {
        self.label = label
        self.eventLevel = eventLevel
        self.wrapped = handler
        self.ownLevel = min(handler?.logLevel ?? eventLevel, eventLevel)
    }

    /// The lowest level `Logger` hands this handler: at first the lower of the wrapped handler's level and
    /// ``eventLevel``, so a record either side wants arrives. Setting it sets the wrapped handler's level too,
    /// and it reads back as set: records below it are neither passed on nor recorded (events need both
    /// ``eventLevel`` and this level).
    public var logLevel: Logger.Level {
        get { ownLevel }
        set {
            ownLevel = newValue
            wrapped?.logLevel = newValue
        }
    }

    /// The handler's metadata, shared with the wrapped handler.
    public var metadata: Logger.Metadata {
        get { wrapped?.metadata ?? ownMetadata }
        set {
            if wrapped != nil { wrapped?.metadata = newValue } else { ownMetadata = newValue }
        }
    }

    /// The metadata provider, shared with the wrapped handler.
    public var metadataProvider: Logger.MetadataProvider? {
        get { wrapped?.metadataProvider ?? ownProvider }
        set {
            if wrapped != nil { wrapped?.metadataProvider = newValue } else { ownProvider = newValue }
        }
    }

    /// One metadata value.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Records the event on the current span when it reaches ``eventLevel``, and passes it on when it reaches the
    /// wrapped handler's level.
    public func log(event: LogEvent) {
        if event.level >= eventLevel, event.level >= ownLevel, let span = OtelSpan.current, span.isRecording {
            span.addEvent(SpanEvent(name: "log.record", attributes: attributes(of: event)))
        }
        if let wrapped, event.level >= wrapped.logLevel {
            wrapped.log(event: event)
        }
    }

    /// The event's attributes.
    func attributes(of event: LogEvent) -> SpanAttributes {
        var attributes = SpanAttributes()
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let own = event.metadata {
            merged.merge(own) { _, new in new }
        }
        for (key, value) in merged {
            Self.flatten(value, key: key, into: &attributes, depth: 0)
        }
        let level = Self.eventLevel(event.level)
        attributes.set("event.severity_text", value: .string(level.text))
        attributes.set("event.severity_number", value: .int64(Int64(level.rawValue)))
        attributes.set("event.body", value: .string(event.message.description))
        attributes.set("log.logger", value: .string(label))
        attributes.set("log.source", value: .string(event.source))
        attributes.set("code.file.path", value: .string(event.file))
        attributes.set("code.function.name", value: .string(event.function))
        attributes.set("code.line.number", value: .int64(Int64(clamping: event.line)))
        if let error = event.error {
            attributes.set("exception.type", value: .string(String(reflecting: type(of: error))))
            attributes.set("exception.message", value: .string(String(describing: error)))
        }
        return attributes
    }

    /// swift-log's levels on OpenTelemetry's severities: `notice` is an `INFO`, `critical` an `ERROR`.
    static func eventLevel(_ level: Logger.Level) -> EventLevel {
        switch level {
        case .trace: return .trace
        case .debug: return .debug
        case .info, .notice: return .info
        case .warning: return .warn
        case .error, .critical: return .error
        }
    }

    /// Strings and string-convertibles as strings, arrays of strings as string arrays (other arrays as their
    /// description), dictionaries as `key.member` attributes, four levels deep.
    private static func flatten(_ value: Logger.Metadata.Value, key: String, into attributes: inout SpanAttributes, depth: Int) {
        switch value {
        case .string(let text):
            attributes.set(key, value: .string(text))
        case .stringConvertible(let convertible):
            attributes.set(key, value: .string(convertible.description))
        case .array(let elements):
            var strings: [String] = []
            strings.reserveCapacity(elements.count)
            for element in elements {
                switch element {
                case .string(let text): strings.append(text)
                case .stringConvertible(let convertible): strings.append(convertible.description)
                default: strings.append(element.description)
                }
            }
            attributes.set(key, value: .stringArray(strings))
        case .dictionary(let members):
            guard depth < 4 else {
                attributes.set(key, value: .string(value.description))
                return
            }
            for (member, inner) in members {
                flatten(inner, key: key + "." + member, into: &attributes, depth: depth + 1)
            }
        }
    }
}

extension SpanEventLogHandler {
    /// A factory for `LoggingSystem.bootstrap` that wraps each logger's handler from `makeHandler`.
    ///
    /// ```swift
    /// LoggingSystem.bootstrap(SpanEventLogHandler.wrapping(StreamLogHandler.standardError))
    /// ```
    ///
    /// - Parameters:
    ///   - makeHandler: Makes the handler each record is passed on to.
    ///   - eventLevel: The lowest level recorded as a span event.
    /// - Returns: The factory.
    public static func wrapping(
        _ makeHandler: @escaping @Sendable (String) -> any LogHandler, eventLevel: Logger.Level = .info
    ) -> @Sendable (String) -> any LogHandler {
        { label in SpanEventLogHandler(label: label, eventLevel: eventLevel, wrapping: makeHandler(label)) }
    }
}
