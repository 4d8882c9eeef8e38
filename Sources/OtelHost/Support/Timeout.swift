import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Runs `body`, failing with ``LambdaTelemetryError/Code/timedOut`` when it takes longer than `limit`.
///
/// Both the work and the timer are child tasks: when one finishes the other is cancelled, so nothing outlives the
/// call. `body` must honour cancellation (every I/O the library does is cancellable or bounded).
package func withTimeout<T: Sendable>(
    _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await sleepCancellably(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw LambdaTelemetryError(code: .timedOut, "\(what) timed out after \(limit)")
        }
        return value
    }
}

extension TimeAmount {
    /// `duration` as a NIO time amount, saturating at the largest one.
    init(_ duration: Duration) {
        let nanoseconds = duration.components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = nanoseconds.overflow
            ? .nanoseconds(Int64.max)
            : .nanoseconds(
                nanoseconds.partialValue.addingReportingOverflow(duration.components.attoseconds / 1_000_000_000).partialValue)
    }
}

/// Sleeps for `duration` on a NIO timer, or until the task is cancelled (then it throws `CancellationError`).
///
/// Unlike `Task.sleep`, whose timer stays scheduled until its deadline even after the sleeping task is cancelled,
/// a cancelled sleep here removes its timer at once: a watchdog or a timeout set minutes ahead and cancelled in
/// microseconds holds no memory after that.
package func sleepCancellably(for duration: Duration) async throws {
    enum State {
        case waiting
        case sleeping(CheckedContinuation<Void, any Error>, Scheduled<Void>?)
        case done
    }
    let state = NIOLockedValueBox(State.waiting)
    let delay = TimeAmount(duration)
    try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let proceed = state.withLockedValue { current -> Bool in
                guard case .waiting = current else { return false }
                current = .sleeping(continuation, nil)
                return true
            }
            guard proceed else {
                continuation.resume(throwing: CancellationError())
                return
            }
            let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: delay) {
                let waiting = state.withLockedValue { current -> CheckedContinuation<Void, any Error>? in
                    guard case .sleeping(let continuation, _) = current else { return nil }
                    current = .done
                    return continuation
                }
                waiting?.resume()
            }
            let cancelledMeanwhile = state.withLockedValue { current -> Bool in
                guard case .sleeping(let continuation, nil) = current else { return true }
                current = .sleeping(continuation, scheduled)
                return false
            }
            if cancelledMeanwhile { scheduled.cancel() }
        }
    } onCancel: {
        let (waiting, timer) = state.withLockedValue { current -> (CheckedContinuation<Void, any Error>?, Scheduled<Void>?) in
            switch current {
            case .waiting:
                current = .done
                return (nil, nil)
            case .sleeping(let continuation, let scheduled):
                current = .done
                return (continuation, scheduled)
            case .done:
                return (nil, nil)
            }
        }
        timer?.cancel()
        waiting?.resume(throwing: CancellationError())
    }
}
