public import OtelHost
import NIOConcurrencyHelpers

/// The optional `level` of each line, as `OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL` sets it.
public struct ExporterLogLevel: Sendable, Hashable, CustomStringConvertible {
    /// The upper-case name written in the line.
    public let rawValue: String
    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// `DEBUG`.
    public static let debug = ExporterLogLevel("DEBUG")
    /// `INFO`.
    public static let info = ExporterLogLevel("INFO")
    /// `WARN`.
    public static let warn = ExporterLogLevel("WARN")
    /// `ERROR`.
    public static let error = ExporterLogLevel("ERROR")

    /// Parses `debug`, `info`, `warn`/`warning` or `error`, in any case.
    public init?(parsing raw: String) {
        switch raw.trimmingASCIIWhitespace().lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warn
        case "error": self = .error
        default: return nil
        }
    }

    /// The upper-case name.
    public var description: String { rawValue }
}

/// Where lines are written, as `OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE` selects it.
public struct ExporterOutputType: Sendable, Hashable, CustomStringConvertible {
    /// `stdout` or `pipe`.
    public let rawValue: String
    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// Standard output.
    public static let stdout = ExporterOutputType("stdout")
    /// The named pipe `/tmp/otlp-stdout-span-exporter.pipe`.
    public static let pipe = ExporterOutputType("pipe")

    /// The name.
    public var description: String { rawValue }
}

/// Exports spans as otlp-stdout lines: one JSON object per line whose `payload` is the base64 of the gzip of an
/// OTLP protobuf `ExportTraceServiceRequest`, the format the serverless-otlp-forwarder reads from CloudWatch Logs.
///
/// ```json
/// {"__otel_otlp_stdout":"0.1.0","source":"my-fn","endpoint":"http://localhost:4318/v1/traces","method":"POST",
///  "content-type":"application/x-protobuf","content-encoding":"gzip","payload":"H4sI…","base64":true}
/// ```
///
/// A batch whose line would exceed ``maxLineBytes`` is split into several lines, each a complete request, so no
/// line is too large for one CloudWatch Logs event.
///
/// Writing never blocks the function: no lock is held while a line is written, and a line the output does not
/// take in time is dropped, counted in ``droppedLineCount`` and ``droppedSpanCount``, and reported by one warning
/// until a line goes through again. "In time" is the flush's ``ExportDeadline`` when it has one (a `sync` or
/// `async` flush: the invocation's deadline less the response margin), so a slow log drain costs latency, not
/// spans, while the invocation has time left; else ``writeTimeoutMs``. Once a line was dropped that way, each
/// export waits at most ``writeTimeoutMs`` until a line goes through, so an output that never drains costs every
/// later invocation 200 ms, not its whole remaining time.
public final class OtlpStdoutSpanExporter: SpanExporter {
    /// `OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL`: the gzip level, 0 to 9.
    public static let compressionLevelVariable = "OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL"
    /// `OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL`: adds a `level` key to each line.
    public static let logLevelVariable = "OTLP_STDOUT_SPAN_EXPORTER_LOG_LEVEL"
    /// `OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE`: `stdout` or `pipe`.
    public static let outputTypeVariable = "OTLP_STDOUT_SPAN_EXPORTER_OUTPUT_TYPE"
    /// `OTLP_STDOUT_SPAN_EXPORTER_MAX_LINE_BYTES`: the largest line before a batch is split.
    public static let maxLineBytesVariable = "OTLP_STDOUT_SPAN_EXPORTER_MAX_LINE_BYTES"
    /// `OTLP_STDOUT_SPAN_EXPORTER_PIPE_TIMEOUT_MS`: how long to wait for a pipe reader.
    public static let pipeTimeoutVariable = "OTLP_STDOUT_SPAN_EXPORTER_PIPE_TIMEOUT_MS"
    /// The default line cap: 200 KiB, safely under CloudWatch Logs' 256 KiB event limit.
    public static let defaultMaxLineBytes = 204_800

    /// The gzip level.
    public let compressionLevel: Int
    /// The `level` key, if any.
    public let logLevel: ExporterLogLevel?
    /// The `source` key.
    public let source: String
    /// The `headers` object (empty: omitted).
    public let headers: [String: String]
    /// The output type.
    public let outputType: ExporterOutputType
    /// The largest line, in bytes, before a batch is split.
    public let maxLineBytes: Int
    /// How long one export waits, at most, for the output to take its lines.
    public let writeTimeoutMs: Int

    private let output: any OtlpLineOutput
    private let prefix: [UInt8]
    private let suffix: [UInt8]
    /// Idle encoders; an export takes one, so encoding and writing hold no lock.
    private let encoders: NIOLockedValueBox<[EncoderState]>
    private let writes = NIOLockedValueBox(WriteState())

    private struct WriteState {
        /// A line is being written; another export waits for its turn, at most until its deadline.
        var busy = false
        var droppedLines = 0
        var droppedSpans = 0
        /// A drop was reported and no line has gone through since.
        var warned = false
    }

    /// Creates the exporter. Each environment variable wins over the matching argument, which wins over the default.
    ///
    /// - Parameters:
    ///   - compressionLevel: The gzip level, 0–9 (default 6).
    ///   - logLevel: The `level` key (default none).
    ///   - outputType: `stdout` (default) or `pipe`.
    ///   - headers: Headers for the `headers` key, merged under the environment's.
    ///   - maxLineBytes: The line cap before a batch is split (default 200 KiB).
    ///   - writeTimeoutMs: How long an export without a flush deadline (shutdown, the background exporter), or
    ///     any export while lines are being dropped, waits for the output to take its lines (default 200 ms,
    ///     under Lambda's 250 ms shutdown budget).
    ///   - output: A custom output (tests, forwarding); overrides `outputType`.
    ///   - environment: The environment to read.
    public init(
        compressionLevel: Int? = nil,
        logLevel: ExporterLogLevel? = nil,
        outputType: ExporterOutputType? = nil,
        headers: [String: String] = [:],
        maxLineBytes: Int? = nil,
        writeTimeoutMs: Int = FileDescriptorLineOutput.defaultWriteTimeoutMs,
        output: (any OtlpLineOutput)? = nil,
        environment: OtelEnvironment = .process()
    ) {
        let env = environment
        self.compressionLevel = env.resolveInt(
            Self.compressionLevelVariable, code: compressionLevel, default: 6, isValid: { (0...9).contains($0) })
        var level = logLevel
        if let raw = env.nonEmpty(Self.logLevelVariable) {
            if let parsed = ExporterLogLevel(parsing: raw) {
                level = parsed
            } else {
                Diagnostics.warn("invalid \(Self.logLevelVariable)=\"\(raw.truncatedForLog())\"; using \(logLevel?.rawValue ?? "no level")")
            }
        }
        self.logLevel = level
        source = env.nonEmpty("OTEL_SERVICE_NAME") ?? env.nonEmpty("AWS_LAMBDA_FUNCTION_NAME") ?? "unknown-service"

        var merged: [String: String] = [:]
        for (key, value) in headers {
            if let reason = Self.invalidHeaderReason(name: key, value: value) {
                Diagnostics.warn("skipping header \"\(Self.escapedForLog(key))\" given in code: \(reason)")
                continue
            }
            merged[key.lowercased()] = value
        }
        for variable in ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"] {
            for (key, value) in Self.parseHeaders(env[variable], variable: variable) { merged[key] = value }
        }
        merged["content-type"] = nil
        merged["content-encoding"] = nil
        self.headers = merged

        var type = outputType ?? .stdout
        if let raw = env.nonEmpty(Self.outputTypeVariable) {
            switch raw.lowercased() {
            case "pipe": type = .pipe
            case "stdout": type = .stdout
            default:
                Diagnostics.warn("invalid \(Self.outputTypeVariable)=\"\(raw.truncatedForLog())\" (expected stdout or pipe); using \(type)")
            }
        }
        self.outputType = type
        self.maxLineBytes = env.resolveInt(
            Self.maxLineBytesVariable, code: maxLineBytes, default: Self.defaultMaxLineBytes, isValid: { $0 >= 1024 })
        self.writeTimeoutMs = max(0, writeTimeoutMs)
        if let output {
            self.output = output
        } else if type == .pipe {
            let timeout = env.resolveInt(Self.pipeTimeoutVariable, code: nil, default: 100, isValid: { $0 >= 0 })
            self.output = NamedPipeLineOutput(openTimeoutMs: timeout)
        } else {
            self.output = FileDescriptorLineOutput.standardOutput
        }

        prefix = Self.makePrefix(source: source, headers: merged)
        suffix = Self.makeSuffix(level: level)
        encoders = NIOLockedValueBox([EncoderState(level: self.compressionLevel)])
    }

    /// Parses an OTLP headers variable: `key=value` pairs separated by commas, split at the first `=`, trimmed,
    /// keys lower-cased; pieces without `=` or with an empty key are skipped. No percent-decoding.
    ///
    /// A key that is not an HTTP token (RFC 9110 `tchar`s), or a value with anything but visible ASCII, space
    /// and tab, would be sent by the forwarder's HTTP client: it is skipped with a warning naming the key.
    public static func parseHeaders(_ raw: String?) -> [String: String] {
        parseHeaders(raw, variable: "headers")
    }

    static func parseHeaders(_ raw: String?, variable: String) -> [String: String] {
        guard let raw else { return [:] }
        var headers: [String: String] = [:]
        for piece in raw.split(separator: ",", omittingEmptySubsequences: true) {
            guard let eq = piece.firstIndex(of: "=") else { continue }
            let key = String(piece[..<eq]).trimmingASCIIWhitespace()
            let value = String(piece[piece.index(after: eq)...]).trimmingASCIIWhitespace()
            guard !key.isEmpty else { continue }
            if let reason = invalidHeaderReason(name: key, value: value) {
                Diagnostics.warn("\(variable): skipping header \"\(escapedForLog(key))\": \(reason)")
                continue
            }
            headers[key.lowercased()] = value
        }
        return headers
    }

    /// Why `name: value` cannot be an HTTP header field, or `nil` when it can.
    static func invalidHeaderReason(name: String, value: String) -> String? {
        func isTokenByte(_ c: UInt8) -> Bool {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "A")...UInt8(ascii: "Z"):
                return true
            default:
                return Array("!#$%&'*+-.^_`|~".utf8).contains(c)
            }
        }
        if name.utf8.isEmpty || !name.utf8.allSatisfy(isTokenByte) {
            return "the name is not an HTTP token"
        }
        if !value.utf8.allSatisfy({ $0 == 0x09 || (0x20...0x7E).contains($0) }) {
            return "the value has control or non-ASCII characters"
        }
        return nil
    }

    /// `text` with control and non-ASCII characters escaped, cut to a length that is safe to log.
    static func escapedForLog(_ text: String, limit: Int = 64) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if out.unicodeScalars.count >= limit {
                out += "…"
                break
            }
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\\" && scalar != "\"" {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    /// How many lines were dropped because the output did not take them in time, or could not be written.
    public var droppedLineCount: Int { writes.withLockedValue { $0.droppedLines } }

    /// How many spans those dropped lines held.
    public var droppedSpanCount: Int { writes.withLockedValue { $0.droppedSpans } }

    /// Writes the batch as one line, or several when it is too large for one; an empty batch writes nothing to
    /// stdout and touches a pipe.
    public func export(_ batch: [FinishedSpan]) async throws {
        try exportNow(batch)
    }

    /// Whether the export returns by its deadline: encoding is bounded by the batch, and the output (this
    /// library's) gives up at the deadline.
    public var honoursExportDeadline: Bool { output.returnsByDeadline }

    /// The synchronous body of ``export(_:)``.
    public func exportNow(_ batch: [FinishedSpan]) throws(ExportFailure) {
        guard !batch.isEmpty else {
            try output.touch()
            return
        }
        let deadline = writeDeadline()
        let state = encoders.withLockedValue { $0.popLast() } ?? EncoderState(level: compressionLevel)
        defer { encoders.withLockedValue { if $0.count < 2 { $0.append(state) } } }
        try writeLines(batch[...], state: state, deadline: deadline)
    }

    /// Until when this export may wait for the output: the flush's deadline (``ExportDeadline/current``, the
    /// invocation's deadline less the response margin) when it has one, else ``writeTimeoutMs`` from now. While
    /// lines are being dropped because the output did not take them (an output that never drains), each export
    /// waits at most ``writeTimeoutMs``, until a line goes through again.
    private func writeDeadline() -> ContinuousClock.Instant {
        let own = ContinuousClock.now + .milliseconds(writeTimeoutMs)
        guard let flushDeadline = ExportDeadline.current else { return own }
        let dropping = writes.withLockedValue { $0.warned }
        return dropping ? min(own, flushDeadline) : flushDeadline
    }

    private func writeLines(
        _ spans: ArraySlice<FinishedSpan>, state: EncoderState, deadline: ContinuousClock.Instant
    ) throws(ExportFailure) {
        let lineLength = try state.buildLine(spans, prefix: prefix, suffix: suffix)
        if lineLength > maxLineBytes && spans.count > 1 {
            // Split into parts that should fit, by the measured size; each part is checked again.
            let parts = min(spans.count, (lineLength + maxLineBytes - 1) / maxLineBytes + 1)
            let size = (spans.count + parts - 1) / parts
            var start = spans.startIndex
            while start < spans.endIndex {
                let end = min(start + size, spans.endIndex)
                try writeLines(spans[start..<end], state: state, deadline: deadline)
                start = end
            }
            return
        }
        if lineLength > maxLineBytes {
            Diagnostics.warnOnce(
                "oversized-span",
                "a single span makes a \(lineLength)-byte line, over the \(maxLineBytes)-byte cap; written as is "
                    + "(set OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT to bound attribute sizes)")
        }
        try state.withLine { line throws(ExportFailure) in try write(line, spanCount: spans.count, deadline: deadline) }
    }

    /// Writes one line when no other export is writing; a line that cannot be written by `deadline` is dropped
    /// and counted.
    private func write(_ line: UnsafeRawBufferPointer, spanCount: Int, deadline: ContinuousClock.Instant) throws(ExportFailure) {
        let started = ContinuousClock.now
        var failure: ExportFailure?
        if takeTurn(deadline: deadline) {
            do {
                try output.writeLine(line, deadline: deadline)
            } catch {
                failure = error
            }
            writes.withLockedValue { $0.busy = false }
        } else {
            failure = ExportFailure("another export held the output until the deadline", reason: .timedOut)
        }
        guard let failure else {
            writes.withLockedValue { $0.warned = false }
            TelemetryStatistics.process.recordExported(spans: spanCount, bytes: line.count)
            return
        }
        guard failure.reason != .other else { throw failure }
        // Unavailable output was reported once when it was found; a timeout is reported once per episode.
        let isTimeout = failure.reason == .timedOut
        TelemetryStatistics.process.recordDropped(spans: spanCount)
        let (warn, lines, spans) = writes.withLockedValue { state in
            state.droppedLines += 1
            state.droppedSpans += spanCount
            defer { if isTimeout { state.warned = true } }
            return (isTimeout && !state.warned, state.droppedLines, state.droppedSpans)
        }
        if warn {
            Diagnostics.warn(
                "\(failure.message) (waited \((ContinuousClock.now - started).wholeMilliseconds) ms); dropping the line with \(spanCount) spans "
                    + "(\(lines) lines, \(spans) spans dropped so far); further drops are counted until a line goes through")
        }
    }

    private func takeTurn(deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let taken = writes.withLockedValue { state in
                if state.busy { return false }
                state.busy = true
                return true
            }
            if taken { return true }
            if ContinuousClock.now >= deadline || Task.isCancelled { return false }
            pauseBriefly()
        }
    }

    static func makePrefix(source: String, headers: [String: String]) -> [UInt8] {
        var out: [UInt8] = []
        func key(_ k: String) {
            JSONWriter.appendString(k, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        out.append(UInt8(ascii: "{"))
        key("__otel_otlp_stdout")
        JSONWriter.appendString(LibraryInfo.version, to: &out)
        out.append(UInt8(ascii: ","))
        key("source")
        JSONWriter.appendString(source, to: &out)
        out.append(contentsOf: #","endpoint":"http://localhost:4318/v1/traces","method":"POST","#.utf8)
        out.append(contentsOf: #""content-type":"application/x-protobuf","content-encoding":"gzip","#.utf8)
        if !headers.isEmpty {
            key("headers")
            out.append(UInt8(ascii: "{"))
            for (i, name) in headers.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                key(name)
                JSONWriter.appendString(headers[name] ?? "", to: &out)
            }
            out.append(contentsOf: "},".utf8)
        }
        out.append(contentsOf: #""payload":""#.utf8)
        return out
    }

    static func makeSuffix(level: ExporterLogLevel?) -> [UInt8] {
        var out = Array(#"","base64":true"#.utf8)
        if let level {
            out.append(contentsOf: #","level":"#.utf8)
            JSONWriter.appendString(level.rawValue, to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }
}

/// The exporter's reusable buffers: protobuf, gzip and the line.
///
/// Only ever used by one export at a time: an export takes it out of the exporter's pool and puts it back when it
/// is done; that hand-over is what makes sharing it across tasks safe. A lock box cannot hold it instead: the
/// buffers are classes wrapping zlib's stream and raw memory, used for the whole encode and compression, which
/// would then run with a lock held.
struct EncoderState: @unchecked Sendable {
    let protobuf = ReverseBuffer()
    let gzip: GzipCompressor
    let line = LineBuffer()

    init(level: Int) {
        gzip = GzipCompressor(level: level)
    }

    /// Encodes, compresses and base64-encodes `spans` into the line buffer; returns the line length.
    func buildLine(
        _ spans: ArraySlice<FinishedSpan>, prefix: [UInt8], suffix: [UInt8]
    ) throws(ExportFailure) -> Int {
        OtlpEncoder.encode(spans, into: protobuf)
        let compressed = try gzip.compress(protobuf.bytes)
        let length = prefix.count + Base64.encodedCount(compressed.count) + suffix.count
        let base = line.reserve(length)
        prefix.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: $0.count) }
        let written = Base64.encode(compressed, into: base + prefix.count)
        suffix.withUnsafeBufferPointer { (base + prefix.count + written).update(from: $0.baseAddress!, count: $0.count) }
        line.count = length
        return length
    }

    func withLine(_ body: (UnsafeRawBufferPointer) throws(ExportFailure) -> Void) throws(ExportFailure) {
        try body(UnsafeRawBufferPointer(start: line.storage.baseAddress, count: line.count))
    }
}

/// The line being built, in memory kept between exports.
final class LineBuffer {
    private(set) var storage: UnsafeMutableRawBufferPointer = .allocate(byteCount: 64 * 1024, alignment: 16)
    var count = 0

    deinit { storage.deallocate() }

    /// Room for `length` bytes; returns where they start. The contents are not kept across a growth.
    func reserve(_ length: Int) -> UnsafeMutablePointer<UInt8> {
        if storage.count < length {
            storage.deallocate()
            storage = .allocate(byteCount: max(length, storage.count * 2), alignment: 16)
        }
        return storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
    }
}
