#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a descriptor is written without ever blocking past a deadline.
enum WriteMode {
    /// A regular file: `write(2)` never waits for a reader.
    case plain
    /// The descriptor is non-blocking (our own open file description): write, and poll for room on `EAGAIN`.
    case nonBlocking
    /// A socket: `send(2)` with `MSG_DONTWAIT`, and poll for room on `EAGAIN`.
    case socket
    /// A blocking descriptor shared with others (a terminal, a pipe when it cannot be reopened): wait for room
    /// with poll, then write at most `PIPE_BUF` bytes, which a pipe with room takes without waiting.
    case pollThenChunk
}

/// What ``writeAll(_:_:mode:deadline:)`` did.
enum WriteOutcome: Equatable {
    /// Every byte was written.
    case complete
    /// The deadline passed, or the task was cancelled, after `written` bytes.
    case timedOut(written: Int)
    /// The write failed with `errno` after `written` bytes.
    case failed(errno: Int32, written: Int)
}

/// Writes all of `bytes` to `fd`: retries after `EINTR` and partial writes, waits for room after `EAGAIN` with
/// poll(2), and gives up at `deadline` or when the current task is cancelled. The only write loop of the exporter.
func writeAll(
    _ fd: Int32, _ bytes: UnsafeRawBufferPointer, mode: WriteMode, deadline: ContinuousClock.Instant
) -> WriteOutcome {
    guard let base = bytes.baseAddress else { return .complete }
    var offset = 0
    while offset < bytes.count {
        if mode == .pollThenChunk && !waitWritable(fd, deadline: deadline) {
            return .timedOut(written: offset)
        }
        let remaining = bytes.count - offset
        let n: Int
        switch mode {
        case .plain, .nonBlocking:
            n = write(fd, base + offset, remaining)
        case .socket:
            n = send(fd, base + offset, remaining, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
        case .pollThenChunk:
            n = write(fd, base + offset, min(remaining, Int(PIPE_BUF)))
        }
        if n > 0 {
            offset += n
            continue
        }
        let code = n < 0 ? errno : EIO
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK {
            if mode == .pollThenChunk || waitWritable(fd, deadline: deadline) { continue }
            return .timedOut(written: offset)
        }
        return .failed(errno: code, written: offset)
    }
    return .complete
}

/// Waits until `fd` has room (or an error to report), at most until `deadline`, in short slices so a cancelled
/// task stops waiting soon.
func waitWritable(_ fd: Int32, deadline: ContinuousClock.Instant) -> Bool {
    while true {
        if Task.isCancelled { return false }
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else {
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            return poll(&pfd, 1, 0) > 0
        }
        let sliceMs = Int32(min(10, max(1, left.wholeMilliseconds)))
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&pfd, 1, sliceMs)
        if ready > 0 { return true }
        if ready < 0 && errno != EINTR { return true }  // let the write report the error
    }
}

/// The text of an `errno` value.
func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// Sleeps a millisecond: the wait between turns for the output.
package func pauseBriefly() {
    usleep(1000)
}

extension Duration {
    /// The duration in whole milliseconds, rounded toward zero.
    package var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
