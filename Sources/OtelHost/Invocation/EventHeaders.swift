import Instrumentation

/// The headers of an event, looked up by name whatever its case; a name may have several values.
public struct EventHeaders: Sendable, Hashable {
    /// One header.
    package struct Field: Sendable, Hashable {
        /// The name, as the event spelled it.
        package var name: String
        /// The value.
        package var value: String

        /// Creates a header.
        package init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The headers, in event order.
    package var fields: [Field]
    /// The Lambda runtime's X-Ray header for this invocation, for the `xray-lambda` propagator.
    public var lambdaTraceHeader: String?

    /// The key under which a propagator reads ``lambdaTraceHeader`` (`Lambda-Runtime-Trace-Id`); carriers other
    /// than an invocation's have no value for it.
    public static let lambdaTraceHeaderKey = "lambda-runtime-trace-id"

    /// Creates headers from fields.
    package init(_ fields: [Field], lambdaTraceHeader: String? = nil) {
        self.fields = fields
        self.lambdaTraceHeader = lambdaTraceHeader
    }

    /// Creates headers from name–value pairs, in order; a name may appear more than once.
    ///
    /// - Parameters:
    ///   - pairs: The headers.
    ///   - lambdaTraceHeader: The Lambda runtime's X-Ray header for the invocation, if any.
    public init(_ pairs: KeyValuePairs<String, String> = [:], lambdaTraceHeader: String? = nil) {
        self.init(pairs.map { Field(name: $0.key, value: $0.value) }, lambdaTraceHeader: lambdaTraceHeader)
    }

    /// Reads an event's `headers` object (string values) and, optionally, a `multiValueHeaders` object (arrays of
    /// strings). Values of other types are skipped; `nil` when there is no header at all.
    public init?(json headers: EventValue?, multiValue: EventValue? = nil) {
        var fields: [Field] = []
        let headerMembers = headers?.members
        let multiValueMembers = multiValue?.members
        if let headerMembers {
            fields.reserveCapacity(headerMembers.underestimatedCount)
            for member in headerMembers {
                if let value = member.value.stringValue { fields.append(Field(name: member.key, value: value)) }
            }
        }
        if let multiValueMembers {
            for member in multiValueMembers {
                guard let values = member.value.elements else { continue }
                for value in values {
                    if let s = value.stringValue { fields.append(Field(name: member.key, value: s)) }
                }
            }
        }
        if fields.isEmpty && headerMembers == nil && multiValueMembers == nil { return nil }
        self.init(fields)
    }

    /// Reads a JSON `headers` object and, optionally, a `multiValueHeaders` object.
    package init?(jsonValue headers: JSONValue?, multiValue: JSONValue? = nil) {
        var fields: [Field] = []
        if let object = headers?.objectValue {
            fields.reserveCapacity(object.members.count)
            for member in object.members {
                if case .string(let value) = member.value { fields.append(Field(name: member.key, value: value)) }
            }
        }
        if let object = multiValue?.objectValue {
            for member in object.members {
                guard case .array(let values) = member.value else { continue }
                for value in values {
                    if case .string(let s) = value { fields.append(Field(name: member.key, value: s)) }
                }
            }
        }
        if fields.isEmpty && headers?.objectValue == nil && multiValue?.objectValue == nil { return nil }
        self.init(fields)
    }

    /// The first value of a header, whatever the case of its name.
    public func value(forHeader name: String) -> String? {
        for field in fields where field.name.equalsIgnoringASCIICase(name) { return field.value }
        return nil
    }

    /// Every value of a header, whatever the case of its name.
    public func values(forHeader name: String) -> [String] {
        fields.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }

    /// Replaces the header's values with one value.
    public mutating func setValue(_ value: String, forHeader name: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
        fields.append(Field(name: name, value: value))
    }
}

extension EventHeaders {
    /// Reads event headers for a propagator: a header by name whatever its case, and under
    /// ``lambdaTraceHeaderKey`` the Lambda runtime's trace header.
    package struct Reader: Extractor {
        package init() {}

        package func extract(key: String, from carrier: EventHeaders) -> String? {
            key == EventHeaders.lambdaTraceHeaderKey
                ? carrier.lambdaTraceHeader : carrier.value(forHeader: key)
        }
    }

    /// Writes event headers for a propagator, replacing earlier values of the header.
    package struct Writer: Injector {
        package init() {}

        package func inject(_ value: String, forKey key: String, into carrier: inout EventHeaders) {
            carrier.setValue(value, forHeader: key)
        }
    }
}

extension String {
    /// Whether two strings are equal when ASCII letters are compared without case.
    package func equalsIgnoringASCIICase(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = x >= 0x41 && x <= 0x5A ? x | 0x20 : x
            let ly = y >= 0x41 && y <= 0x5A ? y | 0x20 : y
            if lx != ly { return false }
        }
        return true
    }
}
