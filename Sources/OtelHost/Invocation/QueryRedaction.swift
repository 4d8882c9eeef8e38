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

    /// Creates a redaction of the given parameter names.
    package init(parameters: [String] = QueryRedaction.defaultParameters) {
        self.parameters = Set(parameters.map { $0.lowercased() })
    }

    /// The redaction the environment asks for.
    package static func resolve(_ environment: OtelEnvironment) -> QueryRedaction {
        guard let raw = environment.nonEmpty(variable) else { return QueryRedaction() }
        if raw.lowercased() == "none" { return QueryRedaction(parameters: []) }
        let names = raw.split(separator: ",").map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
        return QueryRedaction(parameters: names)
    }

    /// The query with sensitive values replaced by `REDACTED`.
    package func redact(_ query: String) -> String {
        guard !parameters.isEmpty else { return query }
        var changed = false
        let parts = query.split(separator: "&", omittingEmptySubsequences: false).map { part -> Substring in
            guard let eq = part.firstIndex(of: "=") else { return part }
            let name = part[..<eq]
            let decoded = PercentEncoding.decode(String(name)) ?? String(name)
            guard parameters.contains(decoded.lowercased()) else { return part }
            changed = true
            return name + "=REDACTED"
        }
        return changed ? parts.joined(separator: "&") : query
    }
}
