package import OtelHost
import Tracing

/// Field helpers shared by the HTTP event extractors (API Gateway and ALB).
package enum HTTPEventFields {
    /// `HTTP/1.1` → `1.1`; `nil` for values that are not `HTTP/<version>`.
    package static func protocolVersion(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let lower = raw.lowercased()
        guard lower.hasPrefix("http/"), lower.count > 5 else { return nil }
        return String(lower.dropFirst(5))
    }

    /// The request headers: `headers`, else `multiValueHeaders`.
    package static func headers(_ event: EventValue) -> EventHeaders? {
        if event["headers"]?.isObject == true { return EventHeaders(json: event["headers"]) }
        return EventHeaders(json: nil, multiValue: event["multiValueHeaders"])
    }

    /// The query string rebuilt from `multiValueQueryStringParameters` (else `queryStringParameters`): `k=v`
    /// pairs joined by `&`, one per value; `nil` when there are none.
    ///
    /// - Parameters:
    ///   - event: The parsed event.
    ///   - encode: Whether names and values are percent-encoded (API Gateway decodes them; ALB does not).
    package static func query(_ event: EventValue, encode: Bool) -> String? {
        let event = event.json
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

extension HTTPEventFields {
    /// The SERVER span of an HTTP request, whichever event it came in: the HTTP server attributes of what the event
    /// says (each `nil` argument is a missing attribute), trigger `http`, the headers as carrier, and the name
    /// `{method} {route}`, else `{method} {path}`, with `HTTP` and `/` standing in for what is missing.
    ///
    /// - Parameters:
    ///   - headers: The request headers, the carrier of the parent context.
    ///   - method: `http.request.method`.
    ///   - path: `url.path`.
    ///   - query: `url.query` before redaction; an empty query is left out.
    ///   - scheme: `url.scheme`.
    ///   - protocolVersion: `network.protocol.version`: `1.1`, not `HTTP/1.1`.
    ///   - clientAddress: `client.address`.
    ///   - userAgent: `user_agent.original`.
    ///   - serverAddress: `server.address`.
    ///   - route: `http.route`, the route template; an empty route is left out.
    ///   - redaction: Redacts sensitive parameters of the query.
    /// - Returns: The invocation span's name, kind, attributes, trigger and carrier.
    package static func requestSpan(
        headers: EventHeaders?,
        method: String?,
        path: String?,
        query: String?,
        scheme: String,
        protocolVersion: String?,
        clientAddress: String?,
        userAgent: String?,
        serverAddress: String?,
        route: String? = nil,
        redaction: QueryRedaction
    ) -> ExtractedSpan {
        var attributes = SpanAttributes()
        if let method { attributes.set("http.request.method", value: .string(method)) }
        if let path { attributes.set("url.path", value: .string(path)) }
        if let query, !query.isEmpty { attributes.set("url.query", value: .string(redaction.redact(query))) }
        attributes.set("url.scheme", value: .string(scheme))
        if let protocolVersion { attributes.set("network.protocol.version", value: .string(protocolVersion)) }
        if let clientAddress { attributes.set("client.address", value: .string(clientAddress)) }
        if let userAgent { attributes.set("user_agent.original", value: .string(userAgent)) }
        if let serverAddress { attributes.set("server.address", value: .string(serverAddress)) }
        let route = route.flatMap { $0.isEmpty ? nil : $0 }
        if let route { attributes.set("http.route", value: .string(route)) }
        let spanName = "\(method ?? "HTTP") \(route ?? path ?? "/")"
        return ExtractedSpan(spanName: spanName, kind: .server, attributes: attributes, carrier: headers, trigger: .http)
    }
}
