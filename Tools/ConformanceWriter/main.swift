// Writes real otlp-stdout lines and, beside them, what they should contain, for the independent decoder in
// scripts/conformance.py to compare.
//
// Usage: otlp-conformance-writer <lines.jsonl> <expected.json>

import Instrumentation
import LambdaOtelLite
import OtelHost
import Tracing
import W3CTraceContext

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    print("usage: otlp-conformance-writer <lines.jsonl> <expected.json>")
    exit(2)
}

let linesFD = open(arguments[1], O_WRONLY | O_CREAT | O_TRUNC, 0o644)
guard linesFD >= 0 else {
    print("cannot open \(arguments[1])")
    exit(1)
}

let environment = OtelEnvironment([
    "OTEL_SERVICE_NAME": "conformance-ß-服务",
    "AWS_LAMBDA_FUNCTION_NAME": "conformance-fn",
    "AWS_REGION": "eu-central-1",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer abc=123,X-Team = core ,content-type=ignored",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-team=traces,quote=\"q\\u\"",
    "OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL": "warning",
    "OTLP_STDOUT_SPAN_EXPORTER_MAX_LINE_BYTES": "4096",
])

let exporter = OtlpStdoutSpanExporter(
    output: FileDescriptorLineOutput(descriptor: linesFD), environment: environment)
let resource = OtelResourceBuilder.build(
    environment: environment, detectors: [LambdaResourceDetector()], custom: ["custom.attribute": "from code"])
let processor = LambdaSpanProcessor(exporter: exporter, environment: environment)
let tracer = OtelTracer(processor: processor, resource: resource)

// What we expect, in the shape scripts/conformance.py reads.
func attributeJSON(_ attributes: SpanAttributes) -> JSONValue {
    var members: [JSONMember] = []
    attributes.forEach { key, value in members.append(JSONMember(key, valueJSON(value))) }
    members.sort { $0.key < $1.key }
    return .object(JSONObject(members))
}

func valueJSON(_ value: SpanAttribute) -> JSONValue {
    func typed(_ type: String, _ v: JSONValue) -> JSONValue {
        .object(JSONObject([JSONMember("type", .string(type)), JSONMember("value", v)]))
    }
    switch value {
    case .string(let s): return typed("string", .string(s))
    case .bool(let b): return typed("bool", .bool(b))
    case .int32(let i): return typed("int", .string(String(i)))
    case .int64(let i): return typed("int", .string(String(i)))
    case .double(let d): return typed("double", .string(String(d.bitPattern)))
    case .stringConvertible(let c): return typed("string", .string(String(describing: c)))
    case .stringArray(let a): return typed("array", .array(a.map { valueJSON(.string($0)) }))
    case .int32Array(let a): return typed("array", .array(a.map { valueJSON(.int32($0)) }))
    case .int64Array(let a): return typed("array", .array(a.map { valueJSON(.int64($0)) }))
    case .doubleArray(let a): return typed("array", .array(a.map { valueJSON(.double($0)) }))
    case .boolArray(let a): return typed("array", .array(a.map { valueJSON(.bool($0)) }))
    case .stringConvertibleArray(let a): return typed("array", .array(a.map { valueJSON(.string(String(describing: $0))) }))
    default: return typed("string", .string(String(describing: value)))
    }
}

func spanJSON(_ span: FinishedSpan) -> JSONValue {
    let kind: Double
    switch span.kind {
    case .internal: kind = 1
    case .server: kind = 2
    case .client: kind = 3
    case .producer: kind = 4
    case .consumer: kind = 5
    }
    var members: [JSONMember] = [
        JSONMember("trace_id", .string(span.context.traceID.description)),
        JSONMember("span_id", .string(span.context.spanID.description)),
        JSONMember("trace_state", .string(span.context.traceState)),
        JSONMember("parent_span_id", .string(span.parentSpanID?.description ?? "")),
        JSONMember("name", .string(span.name)),
        JSONMember("kind", .number(kind)),
        JSONMember("start_time_unix_nano", .string(String(span.startTimeUnixNano))),
        JSONMember("end_time_unix_nano", .string(String(span.endTimeUnixNano))),
        JSONMember("attributes", attributeJSON(span.attributes)),
        JSONMember("dropped_attributes_count", .number(Double(span.droppedAttributesCount))),
        JSONMember("dropped_events_count", .number(Double(span.droppedEventsCount))),
        JSONMember("dropped_links_count", .number(Double(span.droppedLinksCount))),
        JSONMember("flags", .number(Double(span.otlpFlags))),
        JSONMember("events", .array(span.events.map { event in
            .object(JSONObject([
                JSONMember("name", .string(event.name)),
                JSONMember("time_unix_nano", .string(String(event.timeUnixNano))),
                JSONMember("attributes", attributeJSON(event.attributes)),
            ]))
        })),
        JSONMember("links", .array(span.links.map { link in
            var flags = UInt32(link.context.flags.rawValue) | 0x100
            if link.context.isRemote { flags |= 0x200 }
            return .object(JSONObject([
                JSONMember("trace_id", .string(link.context.traceID.description)),
                JSONMember("span_id", .string(link.context.spanID.description)),
                JSONMember("trace_state", .string(link.context.traceState)),
                JSONMember("attributes", attributeJSON(link.attributes)),
                JSONMember("dropped_attributes_count", .number(Double(link.droppedAttributesCount))),
                JSONMember("flags", .number(Double(flags))),
            ]))
        })),
    ]
    if let status = span.status {
        members.append(JSONMember("status", .object(JSONObject([
            JSONMember("code", .number(status.code == .ok ? 1 : 2)),
            JSONMember("message", .string(status.message ?? "")),
        ]))))
    }
    return .object(JSONObject(members))
}

/// Collects what the processor hands the exporter, then exports it for real.
final class Recorder: SpanProcessor, @unchecked Sendable {
    var spans: [FinishedSpan] = []
    func onEnd(_ span: FinishedSpan) { spans.append(span) }
    func forceFlush() async throws {}
    func shutdown() async throws {}
}

let recorder = Recorder()
let recordingTracer = OtelTracer(processor: MultiSpanProcessor([recorder, processor]), resource: resource)

// Batch 1: a remote parent with trace state, every attribute type, events, links, error status, non-ASCII text.
var remote = InstrumentationContext.topLevel
remote.otelSpanContext = OtelSpanContext(
    traceID: TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736),
    spanID: SpanID(value: 0x00f0_67aa_0ba9_02b7),
    flags: .sampled, traceState: "vendor=value,other=x", isRemote: true)

let server = recordingTracer.startSpan("GET /orders/{orderId}", context: remote, ofKind: .server)
server.attributes["string"] = "héllo wörld — 世界 🚀 \"quoted\" \\ back\nslash"
server.attributes["empty.string"] = ""
server.attributes.set("int64", value: .int64(-9_223_372_036_854_775_807))
server.attributes.set("int32", value: .int32(-42))
server.attributes["int.zero"] = 0
server.attributes["double"] = 3.141592653589793
server.attributes["double.negative"] = -0.5
server.attributes["bool.true"] = true
server.attributes["bool.false"] = false
server.attributes.set("strings", value: .stringArray(["a", "ü", ""]))
server.attributes.set("ints", value: .int64Array([1, -2, 3_000_000_000]))
server.attributes.set("int32s", value: .int32Array([7, -8]))
server.attributes.set("doubles", value: .doubleArray([1.5, -2.25]))
server.attributes.set("bools", value: .boolArray([true, false]))
server.attributes.set("convertible", value: .stringConvertible(404))
server.addEvent(SpanEvent(name: "cache miss", attributes: ["key": "order:42", "size": 128]))
server.addEvent("no attributes")

let linked = recordingTracer.startSpan("producer", context: .topLevel, ofKind: .producer)
server.addLink(SpanLink(context: linked.context, attributes: ["link.reason": "batch"]))
linked.end()

// An SQS batch through the SQS extractor: links from a traceparent with trace state and from X-Ray headers that
// say Sampled=0 and nothing; a duplicate and a malformed header give no link. With a link limit of 3 and a link
// attribute limit of 2, a hand-made link with three attributes loses one, and two record links are dropped.
let limitedTracer = OtelTracer(
    processor: MultiSpanProcessor([recorder, processor]), resource: resource,
    limits: SpanLimits(linkCountLimit: 3, linkAttributeCountLimit: 2))
func sqsRecord(_ id: String, _ messageAttributes: String, _ attributes: String) -> String {
    #"{"messageId":"\#(id)","body":"{}","attributes":{\#(attributes)},"messageAttributes":{\#(messageAttributes)},"eventSource":"aws:sqs","eventSourceARN":"arn:aws-cn:sqs:cn-north-1:123456789012:orders-cn"}"#
}
let sqsBatch = #"{"Records":["# + [
    sqsRecord("m-w3c", #""traceparent":{"stringValue":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","dataType":"String"},"tracestate":{"stringValue":"congo=t61rcWkgMzE,rojo=00f067aa0ba902b7","dataType":"String"}"#, ""),
    sqsRecord("m-xray-0", "", #""AWSTraceHeader":"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0""#),
    sqsRecord("m-xray-undecided", "", #""AWSTraceHeader":"Root=1-6631a0c0-0123456789abcdef01234567;Parent=89abcdef01234567""#),
    sqsRecord("m-duplicate", #""traceparent":{"stringValue":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","dataType":"String"}"#, ""),
    sqsRecord("m-malformed", "", #""AWSTraceHeader":"Root=1-zzzz;Parent=1""#),
].joined(separator: ",") + "]}"
let sqsExtracted = SQSExtractor().extract(try JSONValue(parsing: sqsBatch))
let sqsSpan = limitedTracer.startSpan(sqsExtracted.spanName ?? "process", context: server.context, ofKind: sqsExtracted.kind)
sqsSpan.attributes.merge(sqsExtracted.attributes)
if let own = SpanLink.fromTraceparent(
    "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-00", attributes: ["a": "1", "b": 2, "c": true])
{
    sqsSpan.addLink(own)
}
for link in sqsExtracted.links { sqsSpan.addLink(link) }
sqsSpan.end()

let child = recordingTracer.startSpan("SELECT orders", context: server.context, ofKind: .client)
child.attributes["db.system"] = "dynamodb"
child.setStatus(SpanStatus(code: .ok))
child.end()

let consumer = recordingTracer.startSpan("consume", context: server.context, ofKind: .consumer)
consumer.recordError(ExportFailure("disk full: ünïcode"))
consumer.end()

let internalSpan = recordingTracer.startSpan("render", context: server.context, ofKind: .internal)
internalSpan.end()

server.setStatus(SpanStatus(code: .error, message: "HTTP 503 response — überlastet"))
server.end()

var batches: [[FinishedSpan]] = []
batches.append(recorder.spans)
recorder.spans.removeAll()
try await processor.forceFlush()

// Batch 2: more spans than fit in one 4 KiB line, so the exporter splits them.
for i in 0..<60 {
    let span = recordingTracer.startSpan("batch-\(i)", context: .topLevel)
    span.attributes["index"] = i
    span.attributes.set("payload", value: .string(String(repeating: "x\(i)", count: 20)))
    span.end()
}
batches.append(recorder.spans)
recorder.spans.removeAll()
try await processor.forceFlush()
close(linesFD)

var resourceMembers: [JSONMember] = []
resource.attributes.forEach { key, value in resourceMembers.append(JSONMember(key, valueJSON(value))) }
resourceMembers.sort { $0.key < $1.key }

let expected = JSONValue.object(JSONObject([
    JSONMember("version", .string(LibraryInfo.version)),
    JSONMember("source", .string("conformance-ß-服务")),
    JSONMember("level", .string("WARN")),
    JSONMember("headers", .object(JSONObject([
        JSONMember("authorization", .string("Bearer abc=123")),
        JSONMember("quote", .string("\"q\\u\"")),
        JSONMember("x-team", .string("traces")),
    ]))),
    JSONMember("resource", .object(JSONObject(resourceMembers))),
    JSONMember("scope", .object(JSONObject([
        JSONMember("name", .string(InstrumentationScope.lambdaOtelLite.name)),
        JSONMember("version", .string(InstrumentationScope.lambdaOtelLite.version)),
        JSONMember("attributes", attributeJSON(InstrumentationScope.lambdaOtelLite.attributes)),
    ]))),
    JSONMember("max_line_bytes", .number(4096)),
    JSONMember("flushes", .array(batches.map { .array($0.map(spanJSON)) })),
]))

let expectedFD = open(arguments[2], O_WRONLY | O_CREAT | O_TRUNC, 0o644)
let text = expected.jsonString + "\n"
_ = text.utf8CString.withUnsafeBufferPointer { write(expectedFD, $0.baseAddress, $0.count - 1) }
close(expectedFD)
print("wrote \(batches.map(\.count).reduce(0, +)) spans in \(batches.count) flushes")
