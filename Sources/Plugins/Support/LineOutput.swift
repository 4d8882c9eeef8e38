import NIOConcurrencyHelpers
import OtelHost
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the exporter's lines go.
public protocol OtlpLineOutput: Sendable {
    /// Writes one complete line (it ends with `\n`).
    func writeLine(_ line: UnsafeRawBufferPointer) throws(ExportFailure)

    /// Writes one complete line, giving up at `deadline`: a line the output cannot take by then is not written
    /// (or not completely), and the output throws a failure whose ``ExportFailure/isTimeout`` is `true`.
    ///
    /// The default implementation ignores the deadline and calls ``writeLine(_:)``.
    func writeLine(_ line: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) throws(ExportFailure)

    /// Called for an empty batch: nothing to write, but a reader may wait for a sign of the flush.
    func touch() throws(ExportFailure)

    /// Whether ``writeLine(_:deadline:)`` and ``touch()`` always return by the deadline (or a bound of their
    /// own under it), whatever the reader does. The default is `false`; the outputs of this library are `true`.
    var returnsByDeadline: Bool { get }
}

extension OtlpLineOutput {
    /// Does nothing.
    public func touch() throws(ExportFailure) {}

    /// `false`: an output of unknown behaviour may block past the deadline.
    public var returnsByDeadline: Bool { false }

    /// Ignores the deadline and calls ``OtlpLineOutput/writeLine(_:)``.
    public func writeLine(_ line: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) throws(ExportFailure) {
        try writeLine(line)
    }
}

/// What a descriptor referred to when the output was created: its file, and how to write it without blocking.
struct DescriptorIdentity: Equatable {
    let device: UInt64
    let inode: UInt64
    let type: UInt32

    /// The identity of `fd`, or `nil` when `fd` is not open.
    init?(_ fd: Int32) {
        guard fcntl(fd, F_GETFD) >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        type = UInt32(info.st_mode) & UInt32(S_IFMT)
    }

    var isFIFO: Bool { type == UInt32(S_IFIFO) }
    var isSocket: Bool { type == UInt32(S_IFSOCK) }
    var isRegularFile: Bool { type == UInt32(S_IFREG) }
    /// Event descriptors (epoll, eventfd, timerfd) have no file type: never an output someone set up.
    var isAnonymous: Bool { type == 0 }
}

/// Writes lines to a file descriptor (standard output by default), one `write(2)` per line unless the reader is
/// slow.
///
/// The output never blocks the function: a pipe is written through a non-blocking descriptor of its own (the
/// shared descriptor's flags are left alone), a socket with `MSG_DONTWAIT`, and a line the reader does not take
/// before the deadline is given up. A line cut short that way is ended with a newline before the next line, so
/// the next line stays whole.
///
/// The descriptor is checked when the output is created: when it is not open (a process started with stdout
/// closed), one warning is logged and nothing is ever written to it, so a descriptor the process opens later
/// under the same number never receives telemetry. Each write checks that the descriptor still refers to the
/// same file.
public final class FileDescriptorLineOutput: OtlpLineOutput {
    /// How long ``writeLine(_:)`` waits for a reader that does not take the line, when no deadline is given.
    public static let defaultWriteTimeoutMs = 200

    /// Standard output, shared by every writer of telemetry lines in the process (the otlp-stdout exporter, the
    /// EMF metrics), so their lines never interleave and a line cut short is ended before the next one.
    public static let standardOutput = FileDescriptorLineOutput(descriptor: 1)

    /// The file descriptor.
    public let descriptor: Int32
    let identity: DescriptorIdentity?
    private let what: String
    /// A line was cut short; the next write starts with a newline.
    private let lineCutShort = NIOLockedValueBox(false)
    /// A line is being written; another writer waits for its turn, at most until its deadline.
    private let busy = NIOLockedValueBox(false)

    /// Creates the output.
    ///
    /// - Parameter descriptor: The file descriptor; standard output by default.
    public init(descriptor: Int32 = 1) {
        self.descriptor = descriptor
        what = descriptor == 1 ? "stdout" : "fd \(descriptor)"
        let identity = DescriptorIdentity(descriptor)
        if let identity, identity.isAnonymous {
            Diagnostics.warn(
                "\(what) is an internal event descriptor, so the process was started without it; "
                    + "telemetry lines are not written")
            self.identity = nil
        } else if identity == nil {
            Diagnostics.warn("\(what) is not open; telemetry lines are not written")
            self.identity = nil
        } else {
            self.identity = identity
        }
    }

    /// Whether the descriptor was open, and usable, when the output was created.
    public var isAvailable: Bool { identity != nil }

    /// `true`: every write is non-blocking and gives up at its deadline.
    public var returnsByDeadline: Bool { true }

    /// Writes the line, waiting at most ``defaultWriteTimeoutMs`` for a reader that does not take it.
    public func writeLine(_ line: UnsafeRawBufferPointer) throws(ExportFailure) {
        try writeLine(line, deadline: .now + .milliseconds(Self.defaultWriteTimeoutMs))
    }

    /// Writes the line, giving up at `deadline` or when the current task is cancelled.
    public func writeLine(_ line: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) throws(ExportFailure) {
        guard let identity else {
            throw ExportFailure("\(what) was not open when the exporter was created", reason: .unavailable)
        }
        guard DescriptorIdentity(descriptor) == identity else {
            Diagnostics.warnOnce(
                "fd-replaced:\(descriptor)",
                "\(what) no longer refers to the file it referred to when the exporter was created; "
                    + "telemetry lines are not written")
            throw ExportFailure("\(what) was closed or replaced", reason: .unavailable)
        }
        guard takeTurn(deadline: deadline) else {
            throw ExportFailure("another writer held \(what) until the deadline", reason: .timedOut)
        }
        defer { busy.withLockedValue { $0 = false } }
        var fd = descriptor
        var mode: WriteMode = identity.isRegularFile ? .plain : identity.isSocket ? .socket : .pollThenChunk
        var ownDescriptor: Int32 = -1
        if identity.isFIFO {
            // A descriptor of our own on the same pipe can be non-blocking without changing the shared one.
            let reopened = open("/proc/self/fd/\(descriptor)", O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            if reopened >= 0 {
                if DescriptorIdentity(reopened) == identity {
                    ownDescriptor = reopened
                    fd = reopened
                    mode = .nonBlocking
                } else {
                    close(reopened)
                }
            } else if errno == ENXIO {
                throw ExportFailure("writing to \(what) failed: \(errorText(EPIPE))")
            }
        }
        defer { if ownDescriptor >= 0 { close(ownDescriptor) } }

        if lineCutShort.withLockedValue({ $0 }) {
            var newline: UInt8 = 0x0A
            let outcome = withUnsafeBytes(of: &newline) { writeAll(fd, $0, mode: mode, deadline: deadline) }
            try check(outcome, cutShortIfPartial: false)
            lineCutShort.withLockedValue { $0 = false }
        }
        try check(writeAll(fd, line, mode: mode, deadline: deadline), cutShortIfPartial: true)
    }

    private func takeTurn(deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let taken = busy.withLockedValue { busy in
                if busy { return false }
                busy = true
                return true
            }
            if taken { return true }
            if ContinuousClock.now >= deadline || Task.isCancelled { return false }
            pauseBriefly()
        }
    }

    private func check(_ outcome: WriteOutcome, cutShortIfPartial: Bool) throws(ExportFailure) {
        switch outcome {
        case .complete:
            return
        case .timedOut(let written):
            if written > 0 && cutShortIfPartial { lineCutShort.withLockedValue { $0 = true } }
            throw ExportFailure("\(what) did not take the line before the deadline", reason: .timedOut)
        case .failed(let code, let written):
            if written > 0 && cutShortIfPartial { lineCutShort.withLockedValue { $0 = true } }
            throw ExportFailure("writing to \(what) failed: \(errorText(code))")
        }
    }
}

/// Writes each line to a named pipe: open, write, close, so the reader gets an end-of-file per flush.
///
/// Opening a FIFO for writing normally blocks until a reader opens it. This output opens it without blocking
/// and retries for at most `openTimeoutMs`. When there is no reader, when the path does not exist or is not a
/// FIFO, or when the reader does not take the line in time, the line goes to the fallback (standard output)
/// with one warning, and the pipe is tried again only after a back-off (1 s, doubling up to 60 s), so a missing
/// reader costs the wait once, not on every flush.
public final class NamedPipeLineOutput: OtlpLineOutput {
    /// The default pipe path.
    public static let defaultPath = "/tmp/otlp-stdout-span-exporter.pipe"
    /// The first back-off after the pipe failed.
    static let firstBackoff = Duration.seconds(1)
    /// The longest back-off.
    static let maxBackoff = Duration.seconds(60)

    /// The pipe path.
    public let path: String
    /// How long to wait for a reader, in milliseconds.
    public let openTimeoutMs: Int
    /// Where lines go when the pipe cannot take them.
    public let fallback: any OtlpLineOutput

    private struct Probe {
        var retryAt: ContinuousClock.Instant?
        var backoff = NamedPipeLineOutput.firstBackoff
        var attempts = 0
    }

    private let probe = NIOLockedValueBox(Probe())

    /// Creates the output.
    public init(
        path: String = NamedPipeLineOutput.defaultPath,
        openTimeoutMs: Int = 100,
        fallback: any OtlpLineOutput = FileDescriptorLineOutput.standardOutput
    ) {
        self.path = path
        self.openTimeoutMs = openTimeoutMs
        self.fallback = fallback
    }

    /// Whether the fallback returns by its deadline and the wait for a reader is short: a write gives up at its
    /// deadline, a touch after ``openTimeoutMs``.
    public var returnsByDeadline: Bool {
        fallback.returnsByDeadline && openTimeoutMs <= FileDescriptorLineOutput.defaultWriteTimeoutMs
    }

    /// How many times the pipe was opened or tried.
    package var openAttempts: Int { probe.withLockedValue { $0.attempts } }

    /// Writes the line to the pipe, or to the fallback.
    public func writeLine(_ line: UnsafeRawBufferPointer) throws(ExportFailure) {
        try writeLine(line, deadline: .now + .milliseconds(FileDescriptorLineOutput.defaultWriteTimeoutMs))
    }

    /// Writes the line to the pipe, or to the fallback; the open and the write end by `deadline`.
    public func writeLine(_ line: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) throws(ExportFailure) {
        guard shouldTryPipe() else {
            try fallback.writeLine(line, deadline: deadline)
            return
        }
        switch openForWriting(deadline: deadline) {
        case .success(let fd):
            let outcome = writeAll(fd, line, mode: .nonBlocking, deadline: deadline)
            close(fd)
            switch outcome {
            case .complete:
                pipeWorked()
            case .timedOut:
                pipeFailed("the reader of pipe \(path) did not take the line in time")
                try fallback.writeLine(line, deadline: deadline)
            case .failed(let code, _):
                pipeFailed("writing to pipe \(path) failed: \(errorText(code))")
                try fallback.writeLine(line, deadline: deadline)
            }
        case .failure(let failure):
            pipeFailed(failure.message)
            try fallback.writeLine(line, deadline: deadline)
        }
    }

    /// Opens and closes the pipe, so a reader waiting for this flush gets its end-of-file.
    public func touch() throws(ExportFailure) {
        guard shouldTryPipe() else { return }
        switch openForWriting(deadline: .now + .milliseconds(openTimeoutMs)) {
        case .success(let fd):
            close(fd)
            pipeWorked()
        case .failure(let failure):
            pipeFailed(failure.message)
        }
    }

    private func shouldTryPipe() -> Bool {
        probe.withLockedValue { probe in
            guard let retryAt = probe.retryAt else { return true }
            return ContinuousClock.now >= retryAt
        }
    }

    private func pipeWorked() {
        let hadFailed = probe.withLockedValue { probe in
            defer { probe = Probe(retryAt: nil, backoff: Self.firstBackoff, attempts: probe.attempts) }
            return probe.retryAt != nil
        }
        if hadFailed { Diagnostics.resetOnce("pipe:\(path)") }
    }

    private func pipeFailed(_ message: String) {
        let backoff = probe.withLockedValue { probe in
            let backoff = probe.backoff
            probe.retryAt = .now + backoff
            probe.backoff = min(backoff * 2, Self.maxBackoff)
            return backoff
        }
        Diagnostics.warnOnce(
            "pipe:\(path)",
            "\(message); writing telemetry lines to stdout, and trying the pipe again after \(backoff) "
                + "(then less and less often)")
    }

    private func openForWriting(deadline: ContinuousClock.Instant) -> Result<Int32, ExportFailure> {
        probe.withLockedValue { $0.attempts += 1 }
        var info = stat()
        guard stat(path, &info) == 0 else {
            return .failure(ExportFailure("cannot use pipe \(path): \(errorText(errno))"))
        }
        guard UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFIFO) else {
            return .failure(ExportFailure("\(path) exists but is not a FIFO"))
        }
        let openDeadline = min(deadline, .now + .milliseconds(openTimeoutMs))
        var delayMicros: UInt32 = 200
        while true {
            let fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 {
                // The path may have been replaced between the check and the open.
                guard DescriptorIdentity(fd)?.isFIFO == true else {
                    close(fd)
                    return .failure(ExportFailure("\(path) exists but is not a FIFO"))
                }
                return .success(fd)
            }
            let code = errno
            if code == EINTR { continue }
            guard code == ENXIO else {
                return .failure(ExportFailure("cannot open pipe \(path): \(errorText(code))"))
            }
            if ContinuousClock.now >= openDeadline || Task.isCancelled {
                return .failure(ExportFailure("no reader on pipe \(path) after \(openTimeoutMs) ms"))
            }
            usleep(delayMicros)
            delayMicros = min(delayMicros * 2, 5000)
        }
    }
}

/// Keeps lines in memory; for tests and for code that forwards lines itself.
public final class BufferLineOutput: OtlpLineOutput {
    private let state = NIOLockedValueBox<(lines: [[UInt8]], touches: Int)>(([], 0))

    /// Creates an empty buffer.
    public init() {}

    /// Keeps a copy of the line.
    public func writeLine(_ line: UnsafeRawBufferPointer) throws(ExportFailure) {
        let copy = Array(line)
        state.withLockedValue { $0.lines.append(copy) }
    }

    /// Counts the touch.
    public func touch() throws(ExportFailure) {
        state.withLockedValue { $0.touches += 1 }
    }

    /// `true`: a line is copied into memory.
    public var returnsByDeadline: Bool { true }

    /// The lines written so far, each without its trailing newline; the buffer is emptied.
    public func takeLines() -> [String] {
        state.withLockedValue { state in
            defer { state.lines.removeAll() }
            return state.lines.map { bytes in
                let trimmed = bytes.last == 0x0A ? bytes.dropLast() : bytes[...]
                return String(decoding: trimmed, as: UTF8.self)
            }
        }
    }

    /// The raw bytes written so far, newlines included.
    public var rawLines: [[UInt8]] { state.withLockedValue { $0.lines } }

    /// How many empty-batch touches happened.
    public var touchCount: Int { state.withLockedValue { $0.touches } }
}
