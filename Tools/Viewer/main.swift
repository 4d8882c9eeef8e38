// otel-lite-view: reads a function's output (raw stdout, Lambda's JSON log format, a CloudWatch Logs export),
// decodes every otlp-stdout line and draws each trace as a waterfall.

import LambdaOtelLite
import OtlpStdoutDecoding

#if canImport(Glibc)
import Glibc
#endif

let usage = """
    usage: otel-lite-view [options] [file ...]

    Reads otlp-stdout lines from the files (or standard input) and draws each trace as a waterfall, then
    summarises the CloudWatch EMF metric lines it found.
    Lines that are not otlp-stdout lines are skipped; lines wrapped by Lambda's JSON log format or prefixed
    by a CloudWatch Logs export are unwrapped.

    options:
      -a, --attributes      show span attributes
      -e, --events          show span events
      -g, --logs            show log records (log.record events) under their spans
      -l, --links           show each span link (without it, a span with links shows their count)
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

var showAttributes = false, showEvents = false, showLinks = false, showLogs = false, json = false
var color = isatty(1) != 0
var traceFilter: String?, serviceFilter: String?
var files: [String] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "-a", "--attributes": showAttributes = true
    case "-e", "--events": showEvents = true
    case "-g", "--logs": showLogs = true
    case "-l", "--links": showLinks = true
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
var metrics = EMFSummary()
var decodeErrors = 0
var ok = true
for path in files.isEmpty ? ["-"] : files {
    ok = lines(of: path) { number, line in
        guard line.contains("__otel_otlp_stdout") else {
            metrics.add(line: line)
            return
        }
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
        print(span.jsonValue(resource: resource).jsonString)
    }
} else {
    let renderer = WaterfallRenderer(
        color: color, showAttributes: showAttributes, showEvents: showEvents, showLinks: showLinks,
        showLogs: showLogs)
    print(renderer.render(entries), terminator: "")
    if metrics.lineCount > 0 { print("\n" + metrics.render(), terminator: "") }
    if entries.isEmpty { printErr("otel-lite-view: no spans found") }
}
exit(ok && decodeErrors == 0 ? 0 : 1)
