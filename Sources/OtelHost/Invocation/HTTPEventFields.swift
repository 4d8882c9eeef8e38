

/// Field helpers shared by the HTTP event extractor plugins.
package enum HTTPEventFields {
    /// `HTTP/1.1` → `1.1`; `nil` for values that are not `HTTP/<version>`.
    package static func protocolVersion(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let lower = raw.lowercased()
        guard lower.hasPrefix("http/"), lower.count > 5 else { return nil }
        return String(lower.dropFirst(5))
    }

    /// The request headers: `headers`, else `multiValueHeaders`.
    package static func headers(_ event: JSONValue) -> EventHeaders? {
        if event["headers"]?.objectValue != nil { return EventHeaders(json: event["headers"]) }
        return EventHeaders(json: nil, multiValue: event["multiValueHeaders"])
    }

    /// The query string rebuilt from `multiValueQueryStringParameters` (else `queryStringParameters`): `k=v`
    /// pairs joined by `&`, one per value; `nil` when there are none.
    package static func query(_ event: JSONValue, encode: Bool) -> String? {
        func part(_ s: String) -> String { encode ? PercentEncoding.encode(s) : s }
        var pairs: [String] = []
        if let multi = event["multiValueQueryStringParameters"]?.objectValue {
            for member in multi.members {
                guard case .array(let values) = member.value else { continue }
                for value in values {
                    if let s = value.stringValue { pairs.append("\(part(member.key))=\(part(s))") }
                }
            }
        } else if let single = event["queryStringParameters"]?.objectValue {
            for member in single.members {
                if let s = member.value.stringValue { pairs.append("\(part(member.key))=\(part(s))") }
            }
        }
        return pairs.isEmpty ? nil : pairs.joined(separator: "&")
    }
}
