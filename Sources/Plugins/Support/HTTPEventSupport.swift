package import OtelHost
package import Tracing

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
        func part(_ s: String) -> String { encode ? PercentEncoding.encode(s) : s }
        var pairs: [String] = []
        if let multi = event["multiValueQueryStringParameters"]?.members {
            for member in multi {
                guard let values = member.value.elements else { continue }
                for value in values {
                    if let s = value.stringValue { pairs.append("\(part(member.key))=\(part(s))") }
                }
            }
        } else if let single = event["queryStringParameters"]?.members {
            for member in single {
                if let s = member.value.stringValue { pairs.append("\(part(member.key))=\(part(s))") }
            }
        }
        return pairs.isEmpty ? nil : pairs.joined(separator: "&")
    }
}

/// What an HTTP event says about its request: the fields its SERVER span is built from. Each `nil` field is a
/// missing attribute.
package struct HTTPRequestFields {
    /// The request headers, the carrier of the parent context.
    package var headers: EventHeaders?
    /// `http.request.method`.
    package var method: String?
    /// `url.path`.
    package var path: String?
    /// `url.query` before redaction; an empty query is left out.
    package var query: String?
    /// `url.scheme`.
    package var scheme: String
    /// `network.protocol.version`: `1.1`, not `HTTP/1.1`.
    package var protocolVersion: String?
    /// `client.address`.
    package var clientAddress: String?
    /// `user_agent.original`.
    package var userAgent: String?
    /// `server.address`.
    package var serverAddress: String?
    /// `http.route`, the route template; an empty route is left out.
    package var route: String?
    /// Attributes only this kind of event has.
    package var extra: SpanAttributes

    /// Creates the fields of a request.
    package init(
        headers: EventHeaders?, method: String?, path: String?, query: String?, scheme: String,
        protocolVersion: String?, clientAddress: String?, userAgent: String?, serverAddress: String?,
        route: String? = nil, extra: SpanAttributes = [:]
    ) {
        self.headers = headers
        self.method = method
        self.path = path
        self.query = query
        self.scheme = scheme
        self.protocolVersion = protocolVersion
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.serverAddress = serverAddress
        self.route = route
        self.extra = extra
    }

    /// The SERVER span of the request: the HTTP server attributes, trigger `http`, the headers as carrier, and the
    /// name `{method} {route}`, else `{method} {path}`, with `HTTP` and `/` standing in for what is missing.
    ///
    /// - Parameter redaction: Redacts sensitive parameters of the query.
    /// - Returns: The invocation span's name, kind, attributes, trigger and carrier.
    package func span(redaction: QueryRedaction) -> ExtractedSpan {
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
        attributes.merge(extra)
        let spanName = "\(method ?? "HTTP") \(route ?? path ?? "/")"
        return ExtractedSpan(spanName: spanName, kind: .server, attributes: attributes, carrier: headers, trigger: .http)
    }
}

/// The extractor of one kind of HTTP event (API Gateway REST API, HTTP API and Function URLs, ALB): the kind's
/// shape test and request fields, and one way to build the span for all of them.
package struct HTTPEventExtractor: EventExtractor {
    /// A short name for diagnostics.
    package let name: String
    /// Redacts sensitive query parameters in `url.query`.
    package let redaction: QueryRedaction
    private let recognises: @Sendable (EventValue) -> Bool
    private let fields: @Sendable (EventValue) -> HTTPRequestFields

    /// Creates the extractor of a kind of HTTP event.
    ///
    /// - Parameters:
    ///   - name: A short name for diagnostics.
    ///   - redaction: Which query parameters to redact.
    ///   - recognises: Whether an event is of this kind.
    ///   - fields: What an event of this kind says about its request.
    package init(
        name: String, redaction: QueryRedaction,
        recognises: @escaping @Sendable (EventValue) -> Bool,
        fields: @escaping @Sendable (EventValue) -> HTTPRequestFields
    ) {
        self.name = name
        self.redaction = redaction
        self.recognises = recognises
        self.fields = fields
    }

    /// Whether the event is of this kind.
    package func matches(_ event: EventValue) -> Bool {
        recognises(event)
    }

    /// The HTTP server span of the request.
    package func extract(_ event: EventValue) -> ExtractedSpan {
        fields(event).span(redaction: redaction)
    }
}
