import Tracing

/// OpenTelemetry's span limits: how much a single span may carry.
///
/// Limits are applied once, when a span ends, and what they cut is counted in the OTLP `dropped_*` fields. An
/// attribute value longer than ``attributeValueLengthLimit`` is cut to that many characters, so one huge header
/// cannot turn into a huge log line.
public struct SpanLimits: Sendable, Hashable {
    /// The longest string attribute value, in characters (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`); `nil` for no limit.
    public var attributeValueLengthLimit: Int?
    /// The most attributes a span keeps (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, default 128).
    public var attributeCountLimit: Int
    /// The most events a span keeps (`OTEL_SPAN_EVENT_COUNT_LIMIT`, default 128).
    public var eventCountLimit: Int
    /// The most links a span keeps (`OTEL_SPAN_LINK_COUNT_LIMIT`, default 128).
    public var linkCountLimit: Int
    /// The most attributes an event keeps (`OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`, default 128).
    public var eventAttributeCountLimit: Int
    /// The most attributes a link keeps (`OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`, default 128).
    public var linkAttributeCountLimit: Int

    /// Creates limits; the defaults are OpenTelemetry's.
    public init(
        attributeValueLengthLimit: Int? = nil,
        attributeCountLimit: Int = 128,
        eventCountLimit: Int = 128,
        linkCountLimit: Int = 128,
        eventAttributeCountLimit: Int = 128,
        linkAttributeCountLimit: Int = 128
    ) {
        self.attributeValueLengthLimit = attributeValueLengthLimit
        self.attributeCountLimit = attributeCountLimit
        self.eventCountLimit = eventCountLimit
        self.linkCountLimit = linkCountLimit
        self.eventAttributeCountLimit = eventAttributeCountLimit
        self.linkAttributeCountLimit = linkAttributeCountLimit
    }

    /// Resolves the limits from the environment on top of `code`; invalid values warn and keep the code value.
    package static func resolve(_ env: OtelEnvironment, code: SpanLimits) -> SpanLimits {
        var limits = code
        let nonNegative: (Int) -> Bool = { $0 >= 0 }
        if env.nonEmpty("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT") != nil {
            limits.attributeValueLengthLimit = env.resolveInt(
                "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", code: nil, default: code.attributeValueLengthLimit ?? Int.max,
                isValid: nonNegative)
            if limits.attributeValueLengthLimit == Int.max { limits.attributeValueLengthLimit = nil }
        }
        limits.attributeCountLimit = env.resolveInt(
            "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", code: code.attributeCountLimit, default: 128, isValid: nonNegative)
        limits.eventCountLimit = env.resolveInt(
            "OTEL_SPAN_EVENT_COUNT_LIMIT", code: code.eventCountLimit, default: 128, isValid: nonNegative)
        limits.linkCountLimit = env.resolveInt(
            "OTEL_SPAN_LINK_COUNT_LIMIT", code: code.linkCountLimit, default: 128, isValid: nonNegative)
        limits.eventAttributeCountLimit = env.resolveInt(
            "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", code: code.eventAttributeCountLimit, default: 128,
            isValid: nonNegative)
        limits.linkAttributeCountLimit = env.resolveInt(
            "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", code: code.linkAttributeCountLimit, default: 128, isValid: nonNegative)
        return limits
    }

    /// Applies the count and length limits to a set of attributes; returns how many were dropped.
    func apply(to attributes: inout SpanAttributes, countLimit: Int) -> UInt32 {
        var dropped: UInt32 = 0
        if attributes.count > countLimit {
            var kept = SpanAttributes()
            var n = 0
            // Keep a deterministic subset: the lexicographically first keys.
            var keys: [String] = []
            keys.reserveCapacity(attributes.count)
            attributes.forEach { key, _ in keys.append(key) }
            keys.sort()
            for key in keys {
                if n < countLimit, let value = attributes.get(key) {
                    kept.set(key, value: value)
                    n += 1
                } else {
                    dropped += 1
                }
            }
            attributes = kept
        }
        if let maxLength = attributeValueLengthLimit {
            var truncated: [(String, SpanAttribute)] = []
            attributes.forEach { key, value in
                if let cut = Self.truncate(value, to: maxLength) { truncated.append((key, cut)) }
            }
            for (key, value) in truncated { attributes.set(key, value: value) }
        }
        return dropped
    }

    /// Applies the count and length limits to a span's attributes; returns how many were dropped.
    ///
    /// Over the count limit, the lexicographically first keys are kept, as for `SpanAttributes`.
    func apply(to attributes: inout AttributeList, countLimit: Int) -> UInt32 {
        var dropped: UInt32 = 0
        if attributes.count > countLimit {
            dropped = UInt32(clamping: attributes.count - countLimit)
            attributes.sortByKey()
            attributes.keepFirst(countLimit)
        }
        if let maxLength = attributeValueLengthLimit {
            for (i, entry) in attributes.entries.enumerated() {
                if let cut = Self.truncate(entry.value.spanAttribute, to: maxLength) { attributes.replaceValue(at: i, with: cut) }
            }
        }
        return dropped
    }

    private static func truncate(_ value: SpanAttribute, to maxLength: Int) -> SpanAttribute? {
        switch value {
        case .string(let s):
            // A string has at most as many characters as UTF-8 bytes: most strings need no count at all.
            guard s.utf8.count > maxLength else { return nil }
            return s.count > maxLength ? .string(String(s.prefix(maxLength))) : nil
        case .stringArray(let values):
            guard values.contains(where: { $0.count > maxLength }) else { return nil }
            return .stringArray(values.map { $0.count > maxLength ? String($0.prefix(maxLength)) : $0 })
        case .stringConvertible(let c):
            let s = String(describing: c)
            return s.count > maxLength ? .string(String(s.prefix(maxLength))) : nil
        default:
            return nil
        }
    }
}
