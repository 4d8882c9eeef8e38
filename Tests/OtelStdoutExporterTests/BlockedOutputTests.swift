import Logging
import NIOConcurrencyHelpers
import OtelHost
import OtelHostTesting
import OtelStdoutExporter
import OtlpStdoutDecoding
import Testing
import Tracing

#if canImport(Glibc)
import Glibc
#endif


/// A pipe whose reader reads only when told to.
final class StalledPipe {
    let readEnd: Int32
    let writeEnd: Int32

    init() {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        readEnd = fds[0]
        writeEnd = fds[1]
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Fills the pipe to the last byte; the write end stays blocking, as a shared stdout is.
    func fill() {
        let flags = fcntl(writeEnd, F_GETFL)
        _ = fcntl(writeEnd, F_SETFL, flags | O_NONBLOCK)
        var newlines = [UInt8](repeating: 0x0A, count: 4096)
        for size in [4096, 1] {
            while newlines.withUnsafeBytes({ write(writeEnd, $0.baseAddress, size) }) > 0 {}
        }
        newlines.removeAll()
        _ = fcntl(writeEnd, F_SETFL, flags)
    }

    /// Reads everything the pipe holds.
    func drain() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }
}

/// The non-empty lines of `bytes`.
func lines(_ bytes: [UInt8]) -> [String] {
    bytes.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
}

/// Serialized: several tests hold the concurrency pool's threads in bounded waits on purpose.
@Suite(.serialized) struct BlockedOutputTests {
    /// A short deadline: these waits hold a thread of the concurrency pool, which other tests share.
    func stdoutExporter(_ fd: Int32, timeoutMs: Int = 100) -> OtlpStdoutSpanExporter {
        OtlpStdoutSpanExporter(
            writeTimeoutMs: timeoutMs, output: FileDescriptorLineOutput(descriptor: fd), environment: OtelEnvironment())
    }

    @Test func aFullPipeCostsTheDeadlineThenTheLineIsDroppedAndCountedAndTheNextExportWorks() async throws {
        let pipe = StalledPipe()
        pipe.fill()
        let e = stdoutExporter(pipe.writeEnd)
        let warnings = WarningCapture(containing: "fd \(pipe.writeEnd) did not take the line")
        try await warnings.capture {
            let start = ContinuousClock.now
            try await e.export([span("stuck")])
            try await e.export([span("stuck-too")])
            // Generous: far above the 100 ms deadline, far below "never".
            #expect(start.duration(to: .now) < .seconds(20))
            #expect(e.droppedLineCount == 2)
            #expect(e.droppedSpanCount == 2)
            #expect(warnings.lines.count == 1, "one warning for the episode")

            #expect(lines(pipe.drain()).isEmpty, "only the filling newlines were in the pipe")
            try await e.export([span("after-drain")])
            let written = lines(pipe.drain())
            #expect(written.count == 1)
            #expect(try OtlpStdoutLine(decoding: try #require(written.first)).request.allSpans.map(\.span.name) == ["after-drain"])
            #expect(e.droppedLineCount == 2)
        }
    }

    @Test func aFlushThroughAFullPipeReturnsByItsDeadlineWithoutATimer() async throws {
        let pipe = StalledPipe()
        pipe.fill()
        // The exporter's own timeout is a minute: only the flush's deadline (a tenth of the 1 s left) ends the wait.
        let e = stdoutExporter(pipe.writeEnd, timeoutMs: 60_000)
        let processor = LambdaSpanProcessor(exporter: e, environment: OtelEnvironment())
        #expect(processor.honoursExportDeadline, "the flush calls the exporter directly")
        let tracer = OtelTracer(processor: processor)
        tracer.startSpan("stuck", context: .topLevel).end()
        let start = ContinuousClock.now
        await tracer.flush(before: .fake(remainingTime: .seconds(1)))
        // Generous: far above the 100 ms budget, far below the exporter's minute.
        #expect(start.duration(to: .now) < .seconds(20))
        #expect(e.droppedSpanCount == 1)
    }

    @Test func anOutputOfUnknownBehaviourIsBoundedByATimer() {
        struct Opaque: OtlpLineOutput {
            func writeLine(_ line: UnsafeRawBufferPointer) throws(ExportFailure) {}
        }
        let e = OtlpStdoutSpanExporter(output: Opaque(), environment: OtelEnvironment())
        #expect(!e.honoursExportDeadline)
        #expect(!LambdaSpanProcessor(exporter: e, environment: OtelEnvironment()).honoursExportDeadline)
        #expect(stdoutExporter(1).honoursExportDeadline)
    }

    @Test func aFlushDeadlineLetsTheExportWaitPastItsOwnTimeoutForAReaderThatCatchesUp() async throws {
        let pipe = StalledPipe()
        pipe.fill()
        let e = stdoutExporter(pipe.writeEnd, timeoutMs: 50)
        // The reader catches up after 400 ms: past the exporter's own 50 ms, within the flush's deadline.
        let drained = NIOLockedValueBox<[UInt8]>([])
        let reader = Task.detached {
            try await Task.sleep(for: .milliseconds(400))
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let bytes = pipe.drain()
                drained.withLockedValue { $0 += bytes }
                if drained.withLockedValue({ $0.contains { $0 != 0x0A } && $0.last == 0x0A }) { return }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        try await ExportDeadline.$current.withValue(.now + .seconds(20)) {
            try await e.export([span("waited")])
        }
        try await reader.value
        #expect(e.droppedLineCount == 0)
        let written = lines(drained.withLockedValue { $0 })
        #expect(written.count == 1)
        #expect(try OtlpStdoutLine(decoding: try #require(written.first)).request.allSpans.map(\.span.name) == ["waited"])
    }

    @Test func afterADropAFlushDeadlineNoLongerHoldsTheExportBeyondItsOwnTimeout() async throws {
        let pipe = StalledPipe()
        pipe.fill()
        let e = stdoutExporter(pipe.writeEnd, timeoutMs: 50)
        // The first export has a short flush deadline and drops its line; a reader that never drains.
        try await ExportDeadline.$current.withValue(.now + .milliseconds(100)) {
            try await e.export([span("dropped")])
        }
        #expect(e.droppedLineCount == 1)
        let start = ContinuousClock.now
        try await ExportDeadline.$current.withValue(.now + .seconds(30)) {
            try await e.export([span("also-dropped")])
        }
        // Generous: far below the 30 s flush deadline, far above the 50 ms timeout.
        #expect(start.duration(to: .now) < .seconds(10))
        #expect(e.droppedLineCount == 2)
    }

    @Test func aLineCutShortIsEndedSoTheNextLineStaysWhole() async throws {
        let pipe = StalledPipe()
        #expect(fcntl(pipe.writeEnd, 1031 /* F_SETPIPE_SZ */, 4096) >= 0)
        // Incompressible attributes: a line several times the pipe's 4 KiB.
        var noise = ""
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<30000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            noise += String(x % 36, radix: 36)
        }
        let e = stdoutExporter(pipe.writeEnd)
        try await e.export([span("big", attributes: ["noise": .string(noise)])])
        #expect(e.droppedLineCount == 1)
        let fragment = pipe.drain()
        #expect(!fragment.isEmpty && !fragment.contains(0x0A), "a part of the line, without its newline")
        try await e.export([span("small")])
        let rest = pipe.drain()
        #expect(rest.first == 0x0A, "the fragment is ended first")
        let written = lines(rest)
        #expect(written.count == 1)
        #expect(try OtlpStdoutLine(decoding: try #require(written.first)).request.allSpans.map(\.span.name) == ["small"])
    }

    @Test func concurrentExportsToAFullPipeAllReturn() async throws {
        let pipe = StalledPipe()
        pipe.fill()
        let e = stdoutExporter(pipe.writeEnd)
        // On threads of their own, so the waits do not take the concurrency pool from other tests.
        let threads = (0..<4).map { i in
            startThread {
                do { try e.exportNow([span("concurrent-\(i)")]) } catch { return [1] }
                return []
            }
        }
        #expect(threads.map { $0() } == [[], [], [], []], "no export failed")
        #expect(e.droppedLineCount == 4)
        _ = pipe.drain()
        try await e.export([span("after")])
        #expect(lines(pipe.drain()).count == 1)
    }

    @Test func aCancelledExportStopsWaiting() async throws {
        let pipe = StalledPipe()
        pipe.fill()
        // A timeout no test would wait for: only the cancellation can end the wait.
        let e = stdoutExporter(pipe.writeEnd, timeoutMs: 3_600_000)
        let task = Task { try await e.export([span("cancelled")]) }
        // Cancelled from a thread of its own, as the flush deadline's event-loop timer does.
        let canceller = startThread {
            usleep(50_000)
            task.cancel()
            return []
        }
        try await task.value
        _ = canceller()
        #expect(e.droppedLineCount == 1)
    }

    @Test func anExportWaitingBehindAStuckWriteIsNotHeldByALock() async throws {
        let pipe = StalledPipe()
        pipe.fill()
        let e = stdoutExporter(pipe.writeEnd, timeoutMs: 3_600_000)
        let stuck = Task { try await e.export([span("stuck")]) }
        try await Task.sleep(for: .milliseconds(50))
        // This export waits for its turn; its flush deadline (the cancellation) must release it while the other
        // write is still stuck. Both exports may hold the concurrency pool's threads, so the deadlines come from a
        // thread of its own, as the flush deadline comes from an event-loop timer.
        let waiting = Task { try await e.export([span("waiting")]) }
        let waitingDone = NIOLockedValueBox(false)
        let canceller = startThread {
            usleep(100_000)
            waiting.cancel()
            var checks = 0
            while !waitingDone.withLockedValue({ $0 }) && checks < 300 {
                usleep(100_000)
                checks += 1
            }
            let releasedFirst = waitingDone.withLockedValue { $0 }
            stuck.cancel()
            return [releasedFirst ? 1 : 0]
        }
        try await waiting.value
        waitingDone.withLockedValue { $0 = true }
        let releasedFirst = canceller()
        try await stuck.value
        #expect(releasedFirst == [1], "the waiting export returned while the other write was stuck")
        #expect(e.droppedLineCount == 2)
    }
}

/// A closed descriptor number no other test gets: the tests below close and replace it on purpose.
func unusedHighDescriptor() -> Int32 {
    let limit = min(getdtablesize(), 1024)
    while true {
        let number = Int32.random(in: Int32(limit * 3 / 4)..<Int32(limit))
        if fcntl(number, F_GETFD) < 0 { return number }
    }
}

@Suite struct DescriptorAtStartTests {
    @Test func aDescriptorClosedAtCreationIsNeverWrittenEvenWhenItsNumberIsReused() async throws {
        signal(SIGPIPE, SIG_IGN)
        // A number far above what the tests' own descriptors reach, so no test running in parallel is disturbed.
        let number = unusedHighDescriptor()
        var other: [Int32] = [0, 0]
        #expect(pipe(&other) == 0)
        let warnings = WarningCapture(containing: "fd \(number) is not open")
        try await warnings.capture {
            let output = FileDescriptorLineOutput(descriptor: number)
            #expect(!output.isAvailable)
            #expect(warnings.lines.count == 1)

            // Something else now gets the number, as the event loop's descriptors did with a closed stdout.
            #expect(dup2(other[1], number) == number)
            defer { for fd in [number] + other { close(fd) } }
            let e = OtlpStdoutSpanExporter(output: output, environment: OtelEnvironment())
            try await e.export([span("nowhere")])
            #expect(e.droppedLineCount == 1)
            _ = fcntl(other[0], F_SETFL, O_NONBLOCK)
            var byte: UInt8 = 0
            #expect(read(other[0], &byte, 1) < 0, "nothing reached the descriptor opened later")
            #expect(warnings.lines.count == 1, "no warning per flush")
        }
    }

    @Test func aDescriptorReplacedAfterCreationIsNotWritten() async throws {
        var first: [Int32] = [0, 0], second: [Int32] = [0, 0]
        #expect(pipe(&first) == 0 && pipe(&second) == 0)
        let number = unusedHighDescriptor()
        #expect(dup2(first[1], number) == number)
        defer { for fd in first + second + [number] { close(fd) } }
        let output = FileDescriptorLineOutput(descriptor: number)
        #expect(output.isAvailable)
        #expect(dup2(second[1], number) == number)
        let e = OtlpStdoutSpanExporter(output: output, environment: OtelEnvironment())
        try await e.export([span("replaced")])
        #expect(e.droppedLineCount == 1)
        _ = fcntl(second[0], F_SETFL, O_NONBLOCK)
        var byte: UInt8 = 0
        #expect(read(second[0], &byte, 1) < 0)
    }
}

@Suite struct PipePathTests {
    func tempPath() -> String { "/tmp/otel-lite-test-\(UInt64.random(in: 0...UInt64.max)).pipe" }

    @Test func aRegularFileAtThePipePathIsLeftAloneWithOneWarning() async throws {
        let path = tempPath()
        let fd = open(path, O_CREAT | O_WRONLY, 0o600)
        close(fd)
        defer { unlink(path) }
        let warnings = WarningCapture(containing: path)
        try await warnings.capture {
            let fallback = BufferLineOutput()
            let e = OtlpStdoutSpanExporter(output: NamedPipeLineOutput(path: path, fallback: fallback), environment: OtelEnvironment())
            for i in 0..<3 { try await e.export([span("line-\(i)")]) }
            #expect(fallback.takeLines().count == 3)
            var info = stat()
            #expect(stat(path, &info) == 0 && info.st_size == 0, "nothing was written into the file")
            #expect(warnings.lines.count == 1)
            #expect(warnings.lines.first?.contains("not a FIFO") == true)
        }
    }

    @Test func aFIFOWithoutReaderIsWaitedForOnceThenStdoutThenTriedAgainLater() async throws {
        let path = tempPath()
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let warnings = WarningCapture(containing: path)
        try await warnings.capture {
            let fallback = BufferLineOutput()
            let output = NamedPipeLineOutput(path: path, openTimeoutMs: 50, fallback: fallback)
            let e = OtlpStdoutSpanExporter(output: output, environment: OtelEnvironment())
            try await e.export([span("first")])
            try await e.export([span("second")])
            try await e.export([])
            #expect(output.openAttempts == 1, "the wait for a reader happened once")
            #expect(fallback.takeLines().count == 2)
            #expect(warnings.lines.count == 1)

            // After the first back-off (1 s) the pipe is tried again, and a reader that came meanwhile gets the line.
            let reader = open(path, O_RDONLY | O_NONBLOCK)
            defer { close(reader) }
            try await Task.sleep(for: .milliseconds(1100))
            try await e.export([span("through-the-pipe")])
            #expect(output.openAttempts == 2)
            #expect(fallback.takeLines().isEmpty)
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
            let written = lines(Array(buffer[0..<max(0, n)]))
            #expect(try OtlpStdoutLine(decoding: try #require(written.first)).request.allSpans.map(\.span.name) == ["through-the-pipe"])
        }
    }
}

@Suite struct HeaderValidationTests {
    @Test func headersThatAreNotHTTPFieldsAreSkippedWithAWarningNamingTheKey() async {
        let tag = "k\(UInt32.random(in: 0...UInt32.max))"
        let warnings = WarningCapture(containing: tag)
        await warnings.capture {
            let env = [
                "OTEL_EXPORTER_OTLP_HEADERS": "\(tag)-ok=fine value,\(tag)-del\u{7F}=1,\(tag)-esc\u{1B}[31m=2,\(tag)-ctl=va\u{01}lue,"
                    + "\(tag)-ключ=3,\(tag)-umlaut=grüß,\(tag) space=4",
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "\(tag)-tab=a\tb,\(tag)-nl=x\u{0B}y",
            ]
            let e = OtlpStdoutSpanExporter(output: BufferLineOutput(), environment: OtelEnvironment(env))
            #expect(e.headers == ["\(tag)-ok": "fine value", "\(tag)-tab": "a\tb"])
            #expect(warnings.lines.count == 7, "\(warnings.lines)")
            #expect(warnings.lines.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } })
            #expect(warnings.lines.contains { $0.contains("OTEL_EXPORTER_OTLP_HEADERS") && $0.contains("\(tag)-del\\u{7f}") })
            #expect(warnings.lines.contains { $0.contains("OTEL_EXPORTER_OTLP_TRACES_HEADERS") && $0.contains("\(tag)-nl") })
        }
    }

    @Test func aLongBadKeyIsCutInTheWarning() async {
        let tag = "k\(UInt32.random(in: 0...UInt32.max))"
        let warnings = WarningCapture(containing: tag)
        await warnings.capture {
            _ = OtlpStdoutSpanExporter(
                output: BufferLineOutput(),
                environment: OtelEnvironment(["OTEL_EXPORTER_OTLP_HEADERS": "\(tag)\u{1B}\(String(repeating: "a", count: 10_000))=1"]))
            #expect(warnings.lines.count == 1)
            #expect((warnings.lines.first?.count ?? .max) < 300)
        }
    }
}
