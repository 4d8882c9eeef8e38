import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Completion signals of invocations, matched to the extension's INVOKE events by request id.
///
/// A signal may arrive before its INVOKE event (the handler finished before the extension saw the event) or
/// after it; both work. A stray signal never releases a different invocation. Signals that wait for their event
/// are bounded: past ``earlyLimit`` the oldest is forgotten, with a warning, so memory stays flat however many
/// arrive early. A waiter that is cancelled (the watchdog fired, the service stopped) leaves nothing behind.
final class CompletionSignals: Sendable {
    private struct Waiter {
        let requestID: String
        let token: UInt64
        let continuation: CheckedContinuation<Bool, Never>
        /// The limit's timer, once scheduled; cancelled when the waiter is released another way.
        var timer: Scheduled<Void>?
    }

    private struct State {
        var early: [String] = []
        var earlyStart = 0
        var waiter: Waiter?
        /// The token being registered, and whether it was cancelled before it could register.
        var registering: (token: UInt64, cancelled: Bool)?
        var nextToken: UInt64 = 0

        var earlyCount: Int { early.count - earlyStart }

        mutating func takeEarly(_ requestID: String) -> Bool {
            guard let index = early[earlyStart...].firstIndex(of: requestID) else { return false }
            early.remove(at: index)
            return true
        }

        mutating func addEarly(_ requestID: String, limit: Int) -> Bool {
            if early[earlyStart...].contains(requestID) { return false }
            early.append(requestID)
            var dropped = false
            while earlyCount > limit {
                earlyStart += 1
                dropped = true
            }
            if earlyStart > 1024 {
                early.removeFirst(earlyStart)
                earlyStart = 0
            }
            return dropped
        }
    }

    /// How many signals may wait for their INVOKE event.
    let earlyLimit: Int
    private let state = NIOLockedValueBox(State())

    init(earlyLimit: Int = 4096) {
        self.earlyLimit = earlyLimit
    }

    /// How many signals wait for their INVOKE event.
    var earlyCount: Int { state.withLockedValue { $0.earlyCount } }

    /// Records that `requestID` completed; releases the waiter for that id, if any.
    func signal(_ requestID: String) {
        let (waiter, dropped): (Waiter?, Bool) = state.withLockedValue { state in
            if let waiter = state.waiter, waiter.requestID == requestID {
                state.waiter = nil
                return (waiter, false)
            }
            return (nil, state.addEarly(requestID, limit: earlyLimit))
        }
        if dropped {
            Diagnostics.warnOnce(
                "early-completions",
                "async extension: more than \(earlyLimit) completions arrived before their INVOKE events; "
                    + "forgetting the oldest (their spans are flushed by the watchdog)")
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: true)
    }

    /// Waits for the completion of `requestID`: `true` when it came, `false` when the task was cancelled first.
    func wait(for requestID: String) async -> Bool {
        await wait(for: requestID, limit: nil)
    }

    /// Waits for the completion of `requestID` for at most `limit`: `true` when it came in time.
    ///
    /// One continuation, released by whichever comes first: the signal, an event-loop timer, or cancellation. The
    /// signal resumes the waiting task itself, with no task in between.
    func wait(for requestID: String, atMost limit: Duration) async -> Bool {
        await wait(for: requestID, limit: TimeAmount(limit))
    }

    private func wait(for requestID: String, limit: TimeAmount?) async -> Bool {
        let token: UInt64? = state.withLockedValue { state in
            if state.takeEarly(requestID) { return nil }
            state.nextToken += 1
            state.registering = (state.nextToken, false)
            return state.nextToken
        }
        guard let token else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeWith: Bool? = state.withLockedValue { state in
                    let cancelled = state.registering?.token == token && state.registering?.cancelled == true
                    state.registering = nil
                    if cancelled { return false }
                    // A signal may have landed between the check above and now.
                    if state.takeEarly(requestID) { return true }
                    state.waiter = Waiter(requestID: requestID, token: token, continuation: continuation)
                    return nil
                }
                if let resumeWith {
                    continuation.resume(returning: resumeWith)
                    return
                }
                guard let limit else { return }
                let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: limit) {
                    self.release(token: token, returning: false)
                }
                // The waiter may already be gone (signalled, cancelled): then the timer is not needed.
                let kept = state.withLockedValue { state in
                    guard state.waiter?.token == token else { return false }
                    state.waiter?.timer = timer
                    return true
                }
                if !kept { timer.cancel() }
            }
        } onCancel: {
            release(token: token, returning: false)
        }
    }

    /// Resumes the waiter registered with `token`, if it still waits; marks a registration in progress cancelled.
    private func release(token: UInt64, returning value: Bool) {
        let waiter: Waiter? = state.withLockedValue { state in
            if let waiter = state.waiter, waiter.token == token {
                state.waiter = nil
                return waiter
            }
            if state.registering?.token == token { state.registering?.cancelled = true }
            return nil
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: value)
    }
}
