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
            try await DeadlineWatch.shared.wait(until: .now() + TimeAmount(limit))
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

/// The deadlines of the timeouts in progress, served by one NIO timer set for the earliest of them.
///
/// A timeout that ends before its deadline only leaves the table; the timer is set again only when a deadline
/// earlier than the one it is set for arrives. Lambda's flushes end long before their deadlines, one after the
/// other, so they schedule a timer about once per deadline rather than once per flush, and no thread is woken
/// to set or cancel one.
final class DeadlineWatch: Sendable {
    static let shared = DeadlineWatch()

    /// One wait: resumed once, by its deadline or by its cancellation.
    private final class Entry: Sendable {
        enum State {
            case waiting
            case sleeping(CheckedContinuation<Void, any Error>)
            case done
        }
        let id: UInt64
        let deadline: NIODeadline
        let state = NIOLockedValueBox(State.waiting)

        init(id: UInt64, deadline: NIODeadline) {
            self.id = id
            self.deadline = deadline
        }

        /// Ends the wait; `error` nil means the deadline passed.
        func finish(throwing error: (any Error)?) {
            let continuation = state.withLockedValue { current -> CheckedContinuation<Void, any Error>? in
                defer { current = .done }
                if case .sleeping(let continuation) = current { return continuation }
                return nil
            }
            if let error { continuation?.resume(throwing: error) } else { continuation?.resume() }
        }
    }

    private struct Table {
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        /// The deadline the pending timer fires at, if one is pending.
        var timer: NIODeadline?
    }

    private let table = NIOLockedValueBox(Table())

    /// Returns at `deadline`, or throws `CancellationError` as soon as the task is cancelled.
    func wait(until deadline: NIODeadline) async throws {
        let entry = table.withLockedValue { table -> Entry in
            table.nextID &+= 1
            return Entry(id: table.nextID, deadline: deadline)
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let registered = entry.state.withLockedValue { current -> Bool in
                    guard case .waiting = current else { return false }
                    current = .sleeping(continuation)
                    return true
                }
                guard registered else {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                let schedule = table.withLockedValue { table -> NIODeadline? in
                    table.entries[entry.id] = entry
                    if let timer = table.timer, timer <= deadline { return nil }
                    table.timer = deadline
                    return deadline
                }
                if let schedule { self.schedule(at: schedule) }
            }
        } onCancel: {
            _ = table.withLockedValue { $0.entries.removeValue(forKey: entry.id) }
            entry.finish(throwing: CancellationError())
        }
    }

    private func schedule(at deadline: NIODeadline) {
        MultiThreadedEventLoopGroup.singleton.any().scheduleTask(deadline: deadline) { [self] in
            fire()
        }
    }

    /// Ends the waits whose deadline passed and sets the timer for the earliest of the others.
    private func fire() {
        let now = NIODeadline.now()
        let (expired, next) = table.withLockedValue { table -> ([Entry], NIODeadline?) in
            let expired = table.entries.values.filter { $0.deadline <= now }
            for entry in expired { table.entries.removeValue(forKey: entry.id) }
            let earliest = table.entries.values.map(\.deadline).min()
            // Another timer may already be set for an earlier deadline than this one.
            if let timer = table.timer, timer > now, let earliest, timer <= earliest { return (expired, nil) }
            table.timer = earliest
            return (expired, earliest)
        }
        for entry in expired { entry.finish(throwing: nil) }
        if let next { schedule(at: next) }
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
