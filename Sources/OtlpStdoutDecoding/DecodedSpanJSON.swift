package import OtelHost

extension DecodedValue {
    /// The value as JSON: strings, Booleans and numbers as themselves, arrays and key–value lists nested, bytes
    /// as `"<n bytes>"`, an empty value as `null`.
    package var jsonValue: JSONValue {
        switch self {
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .int(let i): return .number(Double(i))
        case .double(let d): return .number(d)
        case .array(let a): return .array(a.map(\.jsonValue))
        case .keyValueList(let l): return DecodedSpan.attributesJSON(l)
        case .bytes(let b): return .string("<\(b.count) bytes>")
        case .empty: return .null
        }
    }
}

extension DecodedSpan {
    /// The span as one JSON object, the form `otel-lite-view --json` prints: ids, name, kind, times, status,
    /// attributes, events, links (trace id, span id, trace state, attributes) with the dropped-link count, and
    /// the resource.
    ///
    /// - Parameter resource: The attributes of the resource the span came with.
    package func jsonValue(resource: [DecodedAttribute]) -> JSONValue {
        .object(JSONObject([
            JSONMember("trace_id", .string(traceID)),
            JSONMember("span_id", .string(spanID)),
            JSONMember("parent_span_id", parentSpanID.map { .string($0) } ?? .null),
            JSONMember("name", .string(name)),
            JSONMember("kind", .string(kindName)),
            JSONMember("start_time_unix_nano", .string(String(startTimeUnixNano))),
            JSONMember("duration_ns", .number(Double(durationNanos))),
            JSONMember("status", .string(statusCode == 2 ? "ERROR" : statusCode == 1 ? "OK" : "UNSET")),
            JSONMember("status_message", .string(statusMessage)),
            JSONMember("attributes", Self.attributesJSON(attributes)),
            JSONMember("events", .array(events.map { event in
                .object(JSONObject([
                    JSONMember("name", .string(event.name)),
                    JSONMember("time_unix_nano", .string(String(event.timeUnixNano))),
                    JSONMember("attributes", Self.attributesJSON(event.attributes)),
                ]))
            })),
            JSONMember("links", .array(links.map { link in
                .object(JSONObject([
                    JSONMember("trace_id", .string(link.traceID)),
                    JSONMember("span_id", .string(link.spanID)),
                    JSONMember("trace_state", .string(link.traceState)),
                    JSONMember("attributes", Self.attributesJSON(link.attributes)),
                ]))
            })),
            JSONMember("dropped_links_count", .number(Double(droppedLinksCount))),
            JSONMember("resource", Self.attributesJSON(resource)),
        ]))
    }

    static func attributesJSON(_ list: [DecodedAttribute]) -> JSONValue {
        .object(JSONObject(list.map { JSONMember($0.key, $0.value.jsonValue) }))
    }
}
