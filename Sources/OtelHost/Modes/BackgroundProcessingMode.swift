/// `background`: spans leave from a background task — every interval, or sooner when a quarter of the queue has
/// filled — never on an invocation's path, so no caller waits for telemetry.
///
/// This is what `async` becomes on Lambda Managed Instances: there, several invocations run at once, the
/// environment is never frozen between them, and extensions receive no INVOKE events. When an Extensions API is
/// there, an extension registered for no events makes Lambda send SIGTERM at shutdown, when everything queued is
/// exported. The interval is `LAMBDA_SPAN_PROCESSOR_EXPORT_INTERVAL_MS` (default 500 ms, at most 1 s).
package struct BackgroundProcessingMode: ProcessingMode {
    /// Creates the mode.
    package init() {}

    /// Registers an extension for no events when it can, and prepares the export loop.
    package func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion {
        var registration: (client: ExtensionAPIClient, id: String)?
        if context.runtimeAPI != nil {
            do {
                let client = try ExtensionRegistration.client(context)
                registration = (client, try await ExtensionRegistration.register(client, events: []))
            } catch {
                Diagnostics.warn(
                    "background exporter: no extension registered (\(error)); spans still leave on the timer, "
                        + "and at shutdown only through the service's graceful shutdown")
            }
        }
        return BackgroundExporter(
            tracer: context.tracer, interval: context.exportInterval,
            threshold: max(1, (context.queueSize ?? 2048) / 4), registration: registration)
    }
}

struct BackgroundExporter: InvocationCompletion {
    let tracer: OtelTracer
    let interval: Duration
    let threshold: Int
    let registration: (client: ExtensionAPIClient, id: String)?

    var needsBackgroundWork: Bool { true }
    var registeredExtension: Bool { registration != nil }

    func invocationDidEnd(_ invocation: InvocationContext) async {}

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            if let registration {
                group.addTask {
                    await ExtensionIdleLoop.run(client: registration.client, id: registration.id, name: "background")
                }
            }
            group.addTask { await exportLoop() }
            await group.waitForAll()
        }
    }

    /// Looks at the queue every tick: exports when a quarter of it is full, or when the interval has passed and
    /// anything waits.
    private func exportLoop() async {
        let clock = ContinuousClock()
        let tick = min(interval, .milliseconds(50))
        var lastExport = clock.now
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: tick)
            } catch {
                return
            }
            let pending = tracer.processor.pendingSpanCount ?? 1
            // Signals beside the spans (metrics) are written on the interval too, when no span waits.
            guard pending > 0 || tracer.participantsHavePendingData else { continue }
            if pending >= threshold || clock.now - lastExport >= interval {
                await tracer.flush()
                lastExport = clock.now
            }
        }
    }

    func shutdown() async {
        await tracer.flush()
        await tracer.shutdownProcessors()
    }
}
