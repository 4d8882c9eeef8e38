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

    /// Called for an empty batch: nothing to write, but a reader may wait for a sign of the flush.
    func touch() throws(ExportFailure)
}

extension OtlpLineOutput {
    /// Does nothing.
    public func touch() throws(ExportFailure) {}
}

/// Writes lines to a file descriptor (standard output by default) with one `write(2)` call per line, repeated
/// only for what a pipe did not take at once.
public struct FileDescriptorLineOutput: OtlpLineOutput {
    /// The file descriptor.
    public let descriptor: Int32

    /// Creates the output.
    ///
    /// - Parameter descriptor: The file descriptor; standard output by default.
    public init(descriptor: Int32 = 1) {
        self.descriptor = descriptor
    }

    /// Writes the line.
    public func writeLine(_ line: UnsafeRawBufferPointer) throws(ExportFailure) {
        try writeAll(descriptor, line, what: descriptor == 1 ? "stdout" : "fd \(descriptor)")
    }
}

func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, what: String) throws(ExportFailure) {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n > 0 {
            offset += n
            continue
        }
        let code = errno
        if n < 0 && code == EINTR { continue }
        if n < 0 && (code == EAGAIN || code == EWOULDBLOCK) {
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&pfd, 1, 1000) > 0 { continue }
            throw ExportFailure("writing to \(what) timed out")
        }
        throw ExportFailure("writing to \(what) failed: \(String(cString: strerror(code)))")
    }
}

/// Writes each line to a named pipe: open, write, close, so the reader gets an end-of-file per flush.
///
/// Opening a FIFO for writing normally blocks until a reader opens it. This output opens it without blocking
/// and retries for at most `openTimeoutMs`; when no reader comes, or the pipe does not exist, the line goes to
/// the fallback (standard output) with a warning, and the function never hangs.
public struct NamedPipeLineOutput: OtlpLineOutput {
    /// The default pipe path.
    public static let defaultPath = "/tmp/otlp-stdout-span-exporter.pipe"

    /// The pipe path.
    public let path: String
    /// How long to wait for a reader, in milliseconds.
    public let openTimeoutMs: Int
    /// Where lines go when the pipe cannot take them.
    public let fallback: any OtlpLineOutput

    /// Creates the output.
    public init(
        path: String = NamedPipeLineOutput.defaultPath,
        openTimeoutMs: Int = 100,
        fallback: any OtlpLineOutput = FileDescriptorLineOutput()
    ) {
        self.path = path
        self.openTimeoutMs = openTimeoutMs
        self.fallback = fallback
    }

    /// Writes the line to the pipe, or to the fallback.
    public func writeLine(_ line: UnsafeRawBufferPointer) throws(ExportFailure) {
        switch openForWriting() {
        case .success(let fd):
            defer { close(fd) }
            do {
                try writeAll(fd, line, what: path)
                Diagnostics.resetOnce("pipe:\(path)")
            } catch {
                Diagnostics.warnOnce("pipe:\(path)", "\(error.message); writing the line to stdout instead")
                try fallback.writeLine(line)
            }
        case .failure(let failure):
            Diagnostics.warnOnce("pipe:\(path)", "\(failure.message); writing lines to stdout instead")
            try fallback.writeLine(line)
        }
    }

    /// Opens and closes the pipe, so a reader waiting for this flush gets its end-of-file.
    public func touch() throws(ExportFailure) {
        switch openForWriting() {
        case .success(let fd):
            close(fd)
        case .failure(let failure):
            Diagnostics.warnOnce("pipe-touch:\(path)", "\(failure.message); nothing to signal")
        }
    }

    private func openForWriting() -> Result<Int32, ExportFailure> {
        let start = monotonicNanos()
        var delayMicros: UInt32 = 200
        while true {
            let fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 {
                // Writes may block on a full pipe; that wait is bounded by the reader, not by its absence.
                let flags = fcntl(fd, F_GETFL)
                if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
                return .success(fd)
            }
            let code = errno
            if code == EINTR { continue }
            guard code == ENXIO else {
                return .failure(ExportFailure("cannot open pipe \(path): \(String(cString: strerror(code)))"))
            }
            let elapsedMs = Int((monotonicNanos() - start) / 1_000_000)
            if elapsedMs >= openTimeoutMs {
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
