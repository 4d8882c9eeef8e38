// Writes real EMF metric lines through the EMF metrics plugin and, beside them, what they should contain, for the
// independent check in scripts/emf_conformance.py (a JSON Schema of the Embedded Metric Format and its rules).
//
// Usage: otel-lite-emf-writer <lines.jsonl> <expected.json>

import CoreMetrics
import LambdaOtelLite
import OtelEMFMetrics
import OtelHost
import OtelHostTesting

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    print("usage: otel-lite-emf-writer <lines.jsonl> <expected.json>")
    exit(2)
}
let linesFD = open(arguments[1], O_WRONLY | O_CREAT | O_TRUNC, 0o644)
guard linesFD >= 0 else {
    print("cannot open \(arguments[1])")
    exit(1)
}

let plugin = EMFMetrics(builtinMetrics: true, output: FileDescriptorLineOutput(descriptor: linesFD))
let environment = OtelEnvironment([
    "OTEL_SERVICE_NAME": "emf-conformance-ß-服务",
    "AWS_LAMBDA_FUNCTION_NAME": "emf-fn",
    "OTEL_LITE_METRICS_NAMESPACE": "Conformance/Ünïcode",
])
// The spans go to memory through the otlp-stdout exporter, which counts the bytes for the built-in metrics.
let spansInMemory = ClosurePlugin { registry in
    registry.registerExporter(named: "memory") { env in OtlpStdoutSpanExporter(output: BufferLineOutput(), environment: env) }
}
let telemetry = await LambdaTelemetry.make(
    configuration: OtelConfiguration(exporter: "memory"), plugins: [plugin, spansInMemory] + .defaults,
    environment: environment)
let factory = plugin.factory

/// What each metric should add up to: name → (dimension values, unit, value count, sum).
var expected: [[String: Any]] = []
@MainActor func expect(_ name: String, _ dimensions: [(String, String)], unit: String, values: [Double]) {
    expected.append([
        "name": name, "dimensions": Dictionary(uniqueKeysWithValues: dimensions.map { ($0.0, $0.1) }),
        "unit": unit, "count": values.count, "sum": values.reduce(0, +),
    ])
}

Counter(label: "orders.placed", dimensions: [("route", "/orders/{id}")], factory: factory).increment(by: 3)
Counter(label: "orders.placed", dimensions: [("route", "/orders/{id}")], factory: factory).increment(by: 4)
expect("orders.placed", [("route", "/orders/{id}")], unit: "Count", values: [7])

let timer = CoreMetrics.Timer(label: "db.query \"quoted\"", factory: factory)
for ms in [1, 2, 3] { timer.recordNanoseconds(Int64(ms) * 1_000_000) }
expect("db.query \"quoted\"", [], unit: "Milliseconds", values: [1, 2, 3])

let micro = CoreMetrics.Timer(label: "parse", preferredDisplayUnit: .microseconds, factory: factory)
micro.recordNanoseconds(2_500)
expect("parse", [], unit: "Microseconds", values: [2.5])

Meter(label: "queue.depth", dimensions: [("queue", "ß-queue\nline")], factory: factory).set(42.5)
expect("queue.depth", [("queue", "ß-queue\nline")], unit: "None", values: [42.5])

// 150 metrics of one dimension set: two lines (100 and 50).
for i in 0..<150 {
    Counter(label: "wide.\(i)", dimensions: [("set", "wide")], factory: factory).increment(by: Int64(i))
    expect("wide.\(i)", [("set", "wide")], unit: "Count", values: [Double(i)])
}
// 250 values of one recorder: three lines (100, 100, 50).
let sizes = Recorder(label: "batch.size", dimensions: [("set", "values")], factory: factory)
for i in 0..<250 { sizes.record(Double(i) * 0.5) }
expect("batch.size", [("set", "values")], unit: "None", values: (0..<250).map { Double($0) * 0.5 })
// 35 dimensions: 30 of them in the dimension set.
let many = (0..<35).map { ("dim\($0)", "value \($0)") }
Counter(label: "dimensional", dimensions: many, factory: factory).increment()
// The default `service` dimension takes one of the 30 places.
expect("dimensional", Array(many.prefix(29)), unit: "Count", values: [1])
// Large and small numbers.
Gauge(label: "extremes", factory: factory).record(1.5e100)
Gauge(label: "tiny", factory: factory).record(-2.5e-7)
expect("extremes", [], unit: "None", values: [1.5e100])
expect("tiny", [], unit: "None", values: [-2.5e-7])

// One invocation, so the built-in metrics have a cold start and an export to count.
let extracted = telemetry.extract(rawEvent: Array("{}".utf8))
_ = try await telemetry.traceInvocation(.fake(), extracted: extracted) { _ in 0 }
await telemetry.tracer.flush()
close(linesFD)

// The expected document, as JSON written by hand (the values are plain).
func json(_ value: Any) -> String {
    switch value {
    case let text as String:
        var out: [UInt8] = []
        JSONWriter.appendString(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    case let number as Int: return String(number)
    case let number as Double: return "\(number)"
    case let dictionary as [String: Any]:
        return "{" + dictionary.sorted { $0.key < $1.key }.map { json($0.key) + ":" + json($0.value) }.joined(separator: ",") + "}"
    case let array as [Any]: return "[" + array.map(json).joined(separator: ",") + "]"
    default: return "null"
    }
}
let document = #"{"namespace":"Conformance/Ünïcode","service":"emf-conformance-ß-服务","builtin":["ColdStart","SpansExported","SpansDropped","ExportBytes"],"metrics":"#
    + json(expected) + "}\n"
let expectedFD = open(arguments[2], O_WRONLY | O_CREAT | O_TRUNC, 0o644)
_ = Array(document.utf8).withUnsafeBytes { write(expectedFD, $0.baseAddress, $0.count) }
close(expectedFD)
