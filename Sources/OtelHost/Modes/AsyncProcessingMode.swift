/// `async`: an internal Lambda extension exports after the response is sent.
///
/// The extension registers for `INVOKE` events during initialisation. For each invocation it waits for the
/// completion signal — matched by request id, so a signal that arrives before the event and one that arrives
/// after both work, and a stray signal never releases a later invocation — then flushes, then calls `event/next`,
/// which tells Lambda the extension is done. The caller has its response before the export starts. When a
/// completion never comes, a watchdog flushes shortly before the invocation's deadline, with a warning, so the
/// function never hangs; the watchdog is cancelled as soon as the completion arrives. The extension loop is
/// background work of the telemetry service (``LambdaTelemetry/run()``).
package struct AsyncProcessingMode: ProcessingMode {
    /// Creates the mode.
    package init() {}

    /// Registers the extension.
    package func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion {
        let client = try ExtensionRegistration.client(context)
        let id = try await ExtensionRegistration.register(client, events: ["INVOKE"])
        return AsyncExtension(client: client, id: id, tracer: context.tracer)
    }
}

/// The async mode's extension: INVOKE, wait for the completion, flush, `event/next`.
final class AsyncExtension: InvocationCompletion {
    let client: ExtensionAPIClient
    let id: String
    let tracer: OtelTracer
    let signals = CompletionSignals()

    init(client: ExtensionAPIClient, id: String, tracer: OtelTracer) {
        self.client = client
        self.id = id
        self.tracer = tracer
    }

    var needsBackgroundWork: Bool { true }
    var registeredExtension: Bool { true }

    func run() async {
        var failures = 0
        while !Task.isCancelled {
            let event: ExtensionEvent
            do {
                event = try await client.next(id: id)
                failures = 0
            } catch {
                if Task.isCancelled { return }
                failures += 1
                if failures == 1 { Diagnostics.warn("async extension: event/next failed (\(error)); retrying") }
                do {
                    try await Task.sleep(for: .milliseconds(50 * min(failures, 20)))
                } catch {
                    return
                }
                continue
            }
            switch event.type {
            case "INVOKE":
                guard let requestID = event.requestID else {
                    await tracer.flush()
                    continue
                }
                let deadline = ContinuousClock.Instant.lambdaDeadline(epochMilliseconds: event.deadlineMs)
                let remaining = deadline - .now
                // Leave time to flush and call event/next before the deadline.
                let margin = min(max(remaining / 10, .milliseconds(20)), .milliseconds(500))
                let wait = min(max(remaining - margin, .zero), .seconds(86_400))
                let completed = await signals.wait(for: requestID, atMost: wait)
                if Task.isCancelled { return }
                if !completed {
                    Diagnostics.warn(
                        "async extension: invocation \(requestID) did not signal completion before its deadline; "
                            + "flushing anyway so the function does not hang")
                }
                await tracer.flush(
                    before: InvocationContext(requestID: requestID, deadline: deadline, invokedFunctionARN: ""))
            case "SHUTDOWN":
                await shutdown()
                return
            default:
                continue
            }
        }
    }

    func invocationDidEnd(_ invocation: InvocationContext) async {
        signals.signal(invocation.requestID)
    }

    func shutdown() async {
        await tracer.flush()
        await tracer.shutdownProcessors()
    }
}
