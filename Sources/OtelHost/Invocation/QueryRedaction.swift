/// Redacts the values of sensitive query parameters in `url.query`, as the HTTP semantic conventions
/// recommend: `X-Amz-Signature=abc` becomes `X-Amz-Signature=REDACTED`.
///
/// The parameter list is `OTEL_LITE_REDACTED_QUERY_PARAMETERS` (comma-separated, compared without case; `none`
/// turns redaction off), else ``defaultParameters``.
package struct QueryRedaction: Sendable, Hashable {
    /// The environment variable that replaces the list.
    package static let variable = "OTEL_LITE_REDACTED_QUERY_PARAMETERS"
    /// The parameters redacted by default: AWS and Google signed-URL credentials.
    package static let defaultParameters = [
        "AWSAccessKeyId", "Signature", "sig", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token",
        "X-Goog-Signature",
    ]

    /// The lower-cased names whose values are redacted.
    package let parameters: Set<String>
    /// The UTF-8 lengths of those names: a parameter of another length (and without percent escapes) is kept
    /// without being compared.
    private let lengths: Set<Int>

    /// Creates a redaction of the given parameter names.
    package init(parameters: [String] = QueryRedaction.defaultParameters) {
        self.parameters = Set(parameters.map { $0.lowercased() })
        lengths = Set(self.parameters.map(\.utf8.count))
    }

    /// The redaction the environment asks for.
    package static func resolve(_ environment: OtelEnvironment) -> QueryRedaction {
        guard let raw = environment.nonEmpty(variable) else { return QueryRedaction() }
        if raw.lowercased() == "none" { return QueryRedaction(parameters: []) }
        let names = raw.split(separator: ",").map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
        return QueryRedaction(parameters: names)
    }

    /// The query with sensitive values replaced by `REDACTED`.
    ///
    /// The query is scanned in place; a new string is made only when something is redacted.
    package func redact(_ query: String) -> String {
        guard !parameters.isEmpty else { return query }
        let utf8 = query.utf8
        var values: [Range<String.Index>] = []
        var start = utf8.startIndex
        while true {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "&")) ?? utf8.endIndex
            if let eq = utf8[start..<end].firstIndex(of: UInt8(ascii: "=")), isSensitive(query[start..<eq]) {
                values.append(utf8.index(after: eq)..<end)
            }
            guard end < utf8.endIndex else { break }
            start = utf8.index(after: end)
        }
        guard !values.isEmpty else { return query }
        var redacted = ""
        redacted.reserveCapacity(query.utf8.count)
        var kept = query.startIndex
        for value in values {
            redacted += query[kept..<value.lowerBound]
            redacted += "REDACTED"
            kept = value.upperBound
        }
        redacted += query[kept...]
        return redacted
    }

    private func isSensitive(_ name: Substring) -> Bool {
        let escaped = name.utf8.contains(UInt8(ascii: "%"))
        guard escaped || lengths.contains(name.utf8.count) else { return false }
        let decoded = escaped ? (PercentEncoding.decode(String(name)) ?? String(name)) : String(name)
        return parameters.contains(decoded.lowercased())
    }
}
