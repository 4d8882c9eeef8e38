import OtelHost
import OtelHostTesting
import OtelStdoutExporter
import OtlpStdoutDecoding
import Testing
import Tracing
import W3CTraceContext

#if canImport(Glibc)
import Glibc
#endif

let sharedResource = OtelResource(attributes: ["service.name": "svc"])

func span(_ name: String, attributes: SpanAttributes = [:], resource: OtelResource = sharedResource) -> FinishedSpan {
    FinishedSpan(
        context: OtelSpanContext(traceID: .random(), spanID: .random(), flags: .sampled),
        name: name, kind: .server, startTimeUnixNano: 1_700_000_000_000_000_000,
        endTimeUnixNano: 1_700_000_000_012_000_000, attributes: attributes, resource: resource)
}

func exporter(_ env: [String: String] = [:], output: BufferLineOutput = BufferLineOutput(),
              compressionLevel: Int? = nil, logLevel: ExporterLogLevel? = nil, maxLineBytes: Int? = nil) -> OtlpStdoutSpanExporter {
    OtlpStdoutSpanExporter(
        compressionLevel: compressionLevel, logLevel: logLevel, maxLineBytes: maxLineBytes, output: output,
        environment: OtelEnvironment(env))
}

struct LineFormatTests {
    @Test func oneLineWithExactlyTheBaseKeys() async throws {
        let output = BufferLineOutput()
        try await exporter(["AWS_LAMBDA_FUNCTION_NAME": "fn"], output: output).export([span("a"), span("b")])
        let raw = output.rawLines
        #expect(raw.count == 1)
        #expect(raw[0].last == 0x0A)
        #expect(raw[0].dropLast().contains(0x0A) == false)
        let text = try #require(output.takeLines().first)
        let object = try #require(try JSONValue(parsing: text).objectValue)
        #expect(object.members.map(\.key) == [
            "__otel_otlp_stdout", "source", "endpoint", "method", "content-type", "content-encoding", "payload", "base64",
        ])
        #expect(object["__otel_otlp_stdout"] == .string(LibraryInfo.version))
        #expect(object["source"] == .string("fn"))
        #expect(object["endpoint"] == .string("http://localhost:4318/v1/traces"))
        #expect(object["method"] == .string("POST"))
        #expect(object["content-type"] == .string("application/x-protobuf"))
        #expect(object["content-encoding"] == .string("gzip"))
        #expect(object["base64"] == .bool(true))
        let decoded = try OtlpStdoutLine(decoding: text)
        #expect(decoded.request.allSpans.map(\.span.name) == ["a", "b"])
        #expect(decoded.request.resourceSpans.count == 1)
        #expect(decoded.request.resourceSpans[0].resource["service.name"] == .string("svc"))
    }

    @Test(arguments: [
        ([:], "unknown-service"),
        (["AWS_LAMBDA_FUNCTION_NAME": "fn"], "fn"),
        (["AWS_LAMBDA_FUNCTION_NAME": "fn", "OTEL_SERVICE_NAME": "svc"], "svc"),
        (["AWS_LAMBDA_FUNCTION_NAME": "fn", "OTEL_SERVICE_NAME": ""], "fn"),
    ] as [([String: String], String)])
    func source(env: [String: String], expected: String) {
        #expect(exporter(env).source == expected)
    }

    @Test func headersFromBothVariablesTracesWins() async throws {
        let env = [
            "OTEL_EXPORTER_OTLP_HEADERS": "Api-Key=generic, bearer-token=abc=123=xyz ,novalue,=empty,Content-Type=x,x-empty=",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "api-key=traces,CONTENT-ENCODING=br",
        ]
        let e = exporter(env)
        #expect(e.headers == ["api-key": "traces", "bearer-token": "abc=123=xyz", "x-empty": ""])
        let output = BufferLineOutput()
        try await exporter(env, output: output).export([span("a")])
        let line = try OtlpStdoutLine(decoding: try #require(output.takeLines().first))
        #expect(line.headers == ["api-key": "traces", "bearer-token": "abc=123=xyz", "x-empty": ""])
    }

    @Test func headersOmittedWhenEverythingIsFiltered() async throws {
        let output = BufferLineOutput()
        try await exporter(["OTEL_EXPORTER_OTLP_HEADERS": "content-type=a,content-encoding=b,junk"], output: output)
            .export([span("a")])
        let text = try #require(output.takeLines().first)
        #expect(!text.contains("\"headers\""))
    }

    @Test(arguments: [
        (nil, nil, 6),
        (nil, 4, 4),
        ("9", 4, 9),
        ("0", nil, 0),
        ("99", 4, 4),
        ("-1", nil, 6),
        ("high", 3, 3),
        ("", 2, 2),
    ] as [(String?, Int?, Int)])
    func compressionLevelPrecedence(env: String?, code: Int?, expected: Int) {
        var values: [String: String] = [:]
        if let env { values["OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL"] = env }
        #expect(exporter(values, compressionLevel: code).compressionLevel == expected)
    }

    @Test func compressionLevelChangesTheOutputSize() async throws {
        let spans = (0..<100).map { span("s\($0)", attributes: ["payload": .string(String(repeating: "abcdefgh", count: 125))]) }
        let fast = BufferLineOutput(), best = BufferLineOutput()
        try await exporter(output: fast, compressionLevel: 0).export(spans)
        try await exporter(output: best, compressionLevel: 9).export(spans)
        let fastLine = try #require(fast.takeLines().first), bestLine = try #require(best.takeLines().first)
        #expect(bestLine.utf8.count < fastLine.utf8.count / 10)
        #expect(try OtlpStdoutLine(decoding: fastLine).request.allSpans.count == 100)
        #expect(try OtlpStdoutLine(decoding: bestLine).request.allSpans.count == 100)
    }

    @Test(arguments: [
        (nil, nil, nil),
        (nil, ExporterLogLevel.info, "INFO"),
        ("debug", ExporterLogLevel.info, "DEBUG"),
        ("WARNING", nil, "WARN"),
        ("Error", nil, "ERROR"),
        ("loud", ExporterLogLevel.warn, "WARN"),
        ("loud", nil, nil),
    ] as [(String?, ExporterLogLevel?, String?)])
    func logLevel(env: String?, code: ExporterLogLevel?, expected: String?) async throws {
        var values: [String: String] = [:]
        if let env { values["OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL"] = env }
        let output = BufferLineOutput()
        try await exporter(values, output: output, logLevel: code).export([span("a")])
        let line = try OtlpStdoutLine(decoding: try #require(output.takeLines().first))
        #expect(line.level == expected)
    }

    @Test func emptyBatchOnStdoutWritesNothingButTouches() async throws {
        let output = BufferLineOutput()
        try await exporter(output: output).export([])
        #expect(output.rawLines.isEmpty)
        #expect(output.touchCount == 1)
    }

    @Test func oversizedBatchIsSplitIntoStandaloneLinesWithNoSpanLostOrDuplicated() async throws {
        let spans = (0..<300).map { i in
            span("span-\(i)", attributes: ["i": .int64(Int64(i)), "noise": .string("\(i * 7919)-\(i * 104_729)-\(String(i, radix: 3))")])
        }
        let output = BufferLineOutput()
        try await exporter(output: output, maxLineBytes: 4096).export(spans)
        let lines = output.takeLines()
        #expect(lines.count > 2)
        var names: [String] = []
        for line in lines {
            #expect(line.utf8.count + 1 <= 4096)
            names += try OtlpStdoutLine(decoding: line).request.allSpans.map(\.span.name)
        }
        #expect(names == spans.map(\.name))
    }

    @Test func spansAreGroupedByResourceThenScope() async throws {
        let r1 = OtelResource(attributes: ["service.name": "one"])
        let r2 = OtelResource(attributes: ["service.name": "two"])
        let output = BufferLineOutput()
        try await exporter(output: output).export([span("a", resource: r1), span("b", resource: r2), span("c", resource: r1)])
        let line = try OtlpStdoutLine(decoding: try #require(output.takeLines().first))
        #expect(line.request.resourceSpans.count == 2)
        #expect(line.request.resourceSpans[0].resource["service.name"] == .string("one"))
        #expect(line.request.resourceSpans[0].scopeSpans[0].spans.map(\.name) == ["a", "c"])
        #expect(line.request.resourceSpans[1].scopeSpans[0].spans.map(\.name) == ["b"])
        #expect(line.request.resourceSpans[0].scopeSpans[0].scopeName == "lambda-otel-lite")
    }

    @Test func jsonStringsAreEscaped() async throws {
        let output = BufferLineOutput()
        try await exporter(["OTEL_SERVICE_NAME": "quote\" back\\ nl\n tab\t ctl\u{01} ü"], output: output).export([span("a")])
        let text = try #require(output.takeLines().first)
        let line = try OtlpStdoutLine(decoding: text)
        #expect(line.source == "quote\" back\\ nl\n tab\t ctl\u{01} ü")
    }
}

struct PipeOutputTests {
    func makeFIFO() throws -> String {
        let path = "/tmp/otel-lite-test-\(UInt64.random(in: 0...UInt64.max)).pipe"
        #expect(mkfifo(path, 0o600) == 0)
        return path
    }

    /// Starts reading the FIFO until end-of-file on a thread of its own, at once (the blocking `open` must
    /// neither wait for nor hold one of the concurrency pool's few threads). The returned function joins the
    /// thread and returns what it read.
    func readUntilEOF(_ path: String) -> () -> [UInt8] {
        startThread {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return [] }
            defer { close(fd) }
            var out: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                out += buffer[0..<n]
            }
            return out
        }
    }

    @Test func lineGoesThroughARealFIFOAndEndsWithEOF() async throws {
        let path = try makeFIFO()
        defer { unlink(path) }
        let reader = readUntilEOF(path)
        let output = NamedPipeLineOutput(path: path, openTimeoutMs: 5000)
        let e = OtlpStdoutSpanExporter(output: output, environment: OtelEnvironment())
        try await e.export([span("through-the-pipe")])
        let bytes = reader()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        let line = try OtlpStdoutLine(decoding: String(text.dropLast()))
        #expect(line.request.allSpans.map(\.span.name) == ["through-the-pipe"])
    }

    @Test func emptyBatchTouchesTheFIFO() async throws {
        let path = try makeFIFO()
        defer { unlink(path) }
        let reader = readUntilEOF(path)
        let e = OtlpStdoutSpanExporter(output: NamedPipeLineOutput(path: path, openTimeoutMs: 5000), environment: OtelEnvironment())
        try await e.export([])
        let bytes = reader()
        #expect(bytes.isEmpty)
    }

    @Test func fifoWithoutReaderFallsBackWithoutHanging() async throws {
        let path = try makeFIFO()
        defer { unlink(path) }
        let fallback = BufferLineOutput()
        let e = OtlpStdoutSpanExporter(
            output: NamedPipeLineOutput(path: path, openTimeoutMs: 50, fallback: fallback), environment: OtelEnvironment())
        try await e.export([span("no-reader")])
        try await e.export([])
        let lines = fallback.takeLines()
        #expect(lines.count == 1)
        #expect(try OtlpStdoutLine(decoding: lines[0]).request.allSpans.map(\.span.name) == ["no-reader"])
    }

    @Test func missingPipeFallsBack() async throws {
        let fallback = BufferLineOutput()
        let e = OtlpStdoutSpanExporter(
            output: NamedPipeLineOutput(path: "/tmp/does-not-exist-\(UInt64.random(in: 0...UInt64.max))", fallback: fallback),
            environment: OtelEnvironment())
        try await e.export([span("missing")])
        #expect(fallback.takeLines().count == 1)
    }

    @Test func outputTypeFromEnvironment() {
        #expect(OtlpStdoutSpanExporter(environment: OtelEnvironment(["OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE": " PIPE "])).outputType == .pipe)
        #expect(OtlpStdoutSpanExporter(outputType: .pipe, environment: OtelEnvironment(["OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE": "stdout"])).outputType == .stdout)
        #expect(OtlpStdoutSpanExporter(outputType: .pipe, environment: OtelEnvironment(["OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE": "kafka"])).outputType == .pipe)
        #expect(OtlpStdoutSpanExporter(environment: OtelEnvironment()).outputType == .stdout)
    }
}

struct StdoutDescriptorTests {
    @Test func writesWholeLinesToADescriptor() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let e = OtlpStdoutSpanExporter(output: FileDescriptorLineOutput(descriptor: fds[1]), environment: OtelEnvironment())
        try await e.export([span("fd")])
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 65536)
        var data: [UInt8] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        close(fds[0])
        #expect(data.last == 0x0A)
        #expect(try OtlpStdoutLine(decoding: String(decoding: data.dropLast(), as: UTF8.self)).request.allSpans.count == 1)
    }

    @Test func writingToAClosedPipeIsAnErrorNotACrash() async throws {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        let e = OtlpStdoutSpanExporter(output: FileDescriptorLineOutput(descriptor: fds[1]), environment: OtelEnvironment())
        await #expect(throws: ExportFailure.self) { try await e.export([span("lost")]) }
        close(fds[1])
    }
}

/// Runs blocking work on a new POSIX thread; the returned function waits for it and returns its result.
func startThread(_ body: @escaping @Sendable () -> [UInt8]) -> () -> [UInt8] {
    final class Job: @unchecked Sendable {
        // Written by the thread before it exits, read only after pthread_join.
        let body: @Sendable () -> [UInt8]
        var result: [UInt8] = []
        init(_ body: @escaping @Sendable () -> [UInt8]) { self.body = body }
    }
    let job = Job(body)
    var thread = pthread_t()
    pthread_create(&thread, nil, { raw in
        let job = Unmanaged<Job>.fromOpaque(raw!).takeUnretainedValue()
        job.result = job.body()
        return nil
    }, Unmanaged.passUnretained(job).toOpaque())
    return {
        pthread_join(thread, nil)
        return job.result
    }
}
