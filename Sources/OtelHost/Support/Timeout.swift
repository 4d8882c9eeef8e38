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
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw LambdaTelemetryError(code: .timedOut, "\(what) timed out after \(limit)")
        }
        return value
    }
}
