import Foundation
import LambdaOtelLite
import OtelHostTesting
import OtlpStdoutDecoding
import Testing

/// Runs `otel-lite-view` on real exporter output.
struct ViewerTests {
    static func executable(_ name: String) -> String {
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while candidate.path != "/" {
            let path = candidate.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
            candidate = candidate.deletingLastPathComponent()
        }
        return name
    }

    /// Real lines: two traces (one with a remote parent, so its root is an orphan), and a second service.
    func exporterLines() async throws -> [String] {
        let output = BufferLineOutput()
        let exporter = OtlpStdoutSpanExporter(output: output, environment: OtelEnvironment(["OTEL_SERVICE_NAME": "orders"]))
        let tracer = OtelTracer(
            processor: LambdaSpanProcessor(exporter: exporter, environment: OtelEnvironment()),
            resource: OtelResource(attributes: ["service.name": "orders"]))
        var remote = InstrumentationContext.topLevel
        remote.otelSpanContext = OtelSpanContext(
            traceID: TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736), spanID: SpanID(value: 0xf0),
            flags: .sampled, isRemote: true)
        let server = tracer.startSpan("GET /orders/{orderId}", context: remote, ofKind: .server)
        server.attributes["http.route"] = "/orders/{orderId}"
        let child = tracer.startSpan("query", context: server.context, ofKind: .client)
        child.addEvent(SpanEvent(name: "retry", attributes: ["attempt": 2]))
        child.end()
        server.setStatus(SpanStatus(code: .error, message: "HTTP 503 response"))
        server.end()
        try await tracer.processor.forceFlush()
        let other = tracer.startSpan("nightly job", context: .topLevel)
        other.end()
        try await tracer.processor.forceFlush()
        return output.takeLines()
    }

    func run(_ arguments: [String], input lines: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("view-\(UUID().uuidString).log")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable("otel-lite-view"))
        process.arguments = arguments + [file.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test func waterfallOfTracesOrphansAndBadLines() async throws {
        let lines = try await exporterLines()
        #expect(lines.count == 2)
        let wrapped = #"{"time":"2026-11-25T10:00:00Z","type":"function","message":\#(JSONValue.string(lines[1]).jsonString)}"#
        let input = [
            "START RequestId: 1 Version: $LATEST",
            "2026-11-25T10:00:00.000Z\t" + lines[0],       // a CloudWatch Logs export line
            #"{"__otel_otlp_stdout":"0.1.0","payload":"broken"}"#,   // line 3: corrupted
            wrapped,                                         // Lambda's JSON log format
            "END RequestId: 1",
        ]
        let (status, stdout, stderr) = try run(["--attributes", "--events"], input: input)
        #expect(status == 1)
        #expect(stderr.contains(":3: missing key source"))
        #expect(stdout.contains("trace 4bf92f3577b34da6a3ce929d0e0e4736"))
        #expect(stdout.contains("GET /orders/{orderId} ↖ [SERVER]"))
        #expect(stdout.contains("\n    query [CLIENT]"))
        #expect(stdout.contains("ERROR HTTP 503 response"))
        #expect(stdout.contains("http.route=/orders/{orderId}"))
        #expect(stdout.contains("event retry"))
        #expect(stdout.contains("nightly job [INTERNAL]"))
        #expect(!stdout.contains("\u{1B}["))
    }

    @Test func filtersAndJSON() async throws {
        let lines = try await exporterLines()
        let (status, stdout, _) = try run(["--json", "--trace", "4BF92F3577B34DA6A3CE929D0E0E4736"], input: lines)
        #expect(status == 0)
        let objects = try stdout.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
        #expect(objects.map { $0["name"]?.stringValue } == ["query", "GET /orders/{orderId}"])
        #expect(objects[1]["status"]?.stringValue == "ERROR")
        let (_, none, noneErr) = try run(["--service", "billing"], input: lines)
        #expect(none.isEmpty)
        #expect(noneErr.contains("no spans found"))
    }
}
