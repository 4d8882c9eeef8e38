// otel-lite-view: reads a function's output (raw stdout, Lambda's JSON log format, a CloudWatch Logs export),
// decodes every otlp-stdout line and draws each trace as a waterfall.

import LambdaOtelLite
import OtlpStdoutDecoding

#if canImport(Glibc)
import Glibc
#endif

let usage = """
    usage: otel-lite-view [options] [file ...]

    Reads otlp-stdout lines from the files (or standard input) and draws each trace as a waterfall.
    Lines that are not otlp-stdout lines are skipped; lines wrapped by Lambda's JSON log format or prefixed
    by a CloudWatch Logs export are unwrapped.

    options:
      -a, --attributes      show span attributes
      -e, --events          show span events
      -t, --trace ID        only the trace with this id
      -s, --service NAME    only spans whose service.name is NAME
          --json            print the decoded spans as JSON lines instead
          --color / --no-color   force colours on or off (default: on when stdout is a terminal)
      -h, --help            this text
    """

func printErr(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    bytes.withUnsafeBytes { raw in _ = write(2, raw.baseAddress, raw.count) }
}

var showAttributes = false, showEvents = false, json = false
var color = isatty(1) != 0
var traceFilter: String?, serviceFilter: String?
var files: [String] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "-a", "--attributes": showAttributes = true
    case "-e", "--events": showEvents = true
    case "--json": json = true
    case "--color": color = true
    case "--no-color": color = false
    case "-t", "--trace":
        guard let value = arguments.popFirst() else { printErr(usage); exit(2) }
        traceFilter = value.lowercased()
    case "-s", "--service":
        guard let value = arguments.popFirst() else { printErr(usage); exit(2) }
        serviceFilter = value
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        if argument.hasPrefix("-") && argument != "-" {
            printErr("unknown option \(argument)\n\n\(usage)")
            exit(2)
        }
        files.append(argument)
    }
}

/// Reads lines from a file, or standard input for "-".
func lines(of path: String, _ body: (Int, String) -> Void) -> Bool {
    if path == "-" {
        var number = 0
        while let line = readLine(strippingNewline: true) {
            number += 1
            body(number, line)
        }
        return true
    }
    guard let file = fopen(path, "r") else {
        printErr("otel-lite-view: cannot open \(path)")
        return false
    }
    defer { fclose(file) }
    var buffer: UnsafeMutablePointer<CChar>?
    var capacity = 0
    var number = 0
    defer { free(buffer) }
    while true {
        let n = getline(&buffer, &capacity, file)
        if n < 0 { break }
        number += 1
        guard let buffer else { continue }
        var line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: n), as: UTF8.self)
        while line.hasSuffix("\n") || line.hasSuffix("\r") { line.removeLast() }
        body(number, line)
    }
    return true
}

var entries: [WaterfallRenderer.Entry] = []
var decodeErrors = 0
var ok = true
for path in files.isEmpty ? ["-"] : files {
    ok = lines(of: path) { number, line in
        guard line.contains("__otel_otlp_stdout") else { return }
        do {
            let decoded = try OtlpStdoutLine(decoding: line)
            entries += decoded.request.allSpans
        } catch {
            decodeErrors += 1
            printErr("\(path == "-" ? "stdin" : path):\(number): \(error)")
        }
    } && ok
}

entries = entries.filter { entry in
    if let traceFilter, entry.span.traceID != traceFilter { return false }
    if let serviceFilter {
        guard case .string(let name)? = entry.resource["service.name"], name == serviceFilter else { return false }
    }
    return true
}

if json {
    for (resource, span) in entries {
        func value(_ v: DecodedValue) -> JSONValue {
            switch v {
            case .string(let s): return .string(s)
            case .bool(let b): return .bool(b)
            case .int(let i): return .number(Double(i))
            case .double(let d): return .number(d)
            case .array(let a): return .array(a.map(value))
            case .keyValueList(let l): return .object(JSONObject(l.map { JSONMember($0.key, value($0.value)) }))
            case .bytes(let b): return .string("<\(b.count) bytes>")
            case .empty: return .null
            }
        }
        func attributes(_ list: [DecodedAttribute]) -> JSONValue {
            .object(JSONObject(list.map { JSONMember($0.key, value($0.value)) }))
        }
        let object = JSONValue.object(JSONObject([
            JSONMember("trace_id", .string(span.traceID)),
            JSONMember("span_id", .string(span.spanID)),
            JSONMember("parent_span_id", span.parentSpanID.map { .string($0) } ?? .null),
            JSONMember("name", .string(span.name)),
            JSONMember("kind", .string(span.kindName)),
            JSONMember("start_time_unix_nano", .string(String(span.startTimeUnixNano))),
            JSONMember("duration_ns", .number(Double(span.durationNanos))),
            JSONMember("status", .string(span.statusCode == 2 ? "ERROR" : span.statusCode == 1 ? "OK" : "UNSET")),
            JSONMember("status_message", .string(span.statusMessage)),
            JSONMember("attributes", attributes(span.attributes)),
            JSONMember("events", .array(span.events.map { event in
                .object(JSONObject([
                    JSONMember("name", .string(event.name)),
                    JSONMember("time_unix_nano", .string(String(event.timeUnixNano))),
                    JSONMember("attributes", attributes(event.attributes)),
                ]))
            })),
            JSONMember("resource", attributes(resource)),
        ]))
        print(object.jsonString)
    }
} else {
    print(WaterfallRenderer(color: color, showAttributes: showAttributes, showEvents: showEvents).render(entries), terminator: "")
    if entries.isEmpty { printErr("otel-lite-view: no spans found") }
}
exit(ok && decodeErrors == 0 ? 0 : 1)
