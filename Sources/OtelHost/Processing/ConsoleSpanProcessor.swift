import Tracing
import W3CTraceContext
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Prints each ended span to standard error: one readable line, or one JSON object for Lambda's JSON log format.
///
/// A debugging aid beside the exporter, not instead of it: turn it on with `LAMBDA_TRACING_ENABLE_FMT_LAYER=true`
/// (or ``OtelConfiguration/enableFmtLayer``), and each span is also printed as it ends.
package struct ConsoleSpanProcessor: SpanProcessor {
    /// Whether each span is printed as a JSON object.
    package let json: Bool

    /// Creates the processor.
    ///
    /// - Parameter json: Print JSON objects instead of readable lines.
    package init(json: Bool) {
        self.json = json
    }

    /// Prints the span.
    package func onEnd(_ span: FinishedSpan) {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        let durationMicros = (span.endTimeUnixNano - span.startTimeUnixNano) / 1000
        if json {
            var members: [JSONMember] = [
                JSONMember("level", .string("INFO")),
                JSONMember("type", .string("span")),
                JSONMember("name", .string(span.name)),
                JSONMember("kind", .string(String(describing: span.kind))),
                JSONMember("trace_id", .string(span.context.traceID.description)),
                JSONMember("span_id", .string(span.context.spanID.description)),
                JSONMember("duration_us", .number(Double(durationMicros))),
            ]
            if let parent = span.parentSpanID { members.append(JSONMember("parent_span_id", .string(parent.description))) }
            if let status = span.status {
                members.append(JSONMember("status", .string(status.code == .error ? "ERROR" : "OK")))
            }
            var attributes: [JSONMember] = []
            span.attributeList.forEach { key, value in attributes.append(JSONMember(key, .string(Self.text(value)))) }
            attributes.sort { $0.key < $1.key }
            members.append(JSONMember("attributes", .object(JSONObject(attributes))))
            JSONWriter.write(.object(JSONObject(members)), to: &out)
        } else {
            var line = "[span] \(span.name) kind=\(span.kind) trace_id=\(span.context.traceID) "
            line += "span_id=\(span.context.spanID) duration=\(durationMicros)µs"
            if let status = span.status { line += " status=\(status.code == .error ? "ERROR" : "OK")" }
            var attributes: [String] = []
            span.attributeList.forEach { key, value in attributes.append("\(key)=\(Self.text(value))") }
            attributes.sort()
            if !attributes.isEmpty { line += " " + attributes.joined(separator: " ") }
            // One line: no raw line breaks from attribute values.
            out.append(contentsOf: line.utf8.map { $0 == 0x0A || $0 == 0x0D ? UInt8(ascii: " ") : $0 })
        }
        out.append(0x0A)
        out.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(2, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// Nothing is buffered.
    package func forceFlush() async throws {}
    /// Nothing to release.
    package func shutdown() async throws {}

    static func text(_ value: SpanAttribute) -> String {
        switch value {
        case .string(let s): return s
        case .int32(let v): return String(v)
        case .int64(let v): return String(v)
        case .double(let v): return String(v)
        case .bool(let v): return String(v)
        case .stringConvertible(let v): return String(describing: v)
        default: return String(describing: value)
        }
    }
}
