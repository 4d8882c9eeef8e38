public import ServiceLifecycle

extension LambdaTelemetry: Service {
    /// The time the final export at shutdown may take; Lambda gives about 300 ms between SIGTERM and SIGKILL.
    public static let shutdownBudget = Duration.milliseconds(250)

    /// Runs the telemetry's background work until graceful shutdown or cancellation.
    ///
    /// The work is the processing mode's (the `async` extension loop and its watchdog, the `finalize` extension,
    /// the background exporter), the span processors' (a ``BatchSpanProcessor``'s timer) and the tracer's
    /// `forceFlush()` requests, each a child task of this call. On graceful shutdown (a
    /// `ServiceGroup`'s, on SIGTERM) the background work stops and every queued span is exported within
    /// ``shutdownBudget``; then `run()` returns. On cancellation it returns at once, exporting nothing.
    public func run() async throws {
        await Diagnostics.withLogger(logger) {
            await runInScope()
        }
    }

    private func runInScope() async {
        initTiming?.markReady()
        completion.setServiceRunning(true)
        defer { completion.setServiceRunning(false) }
        let graceful = await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.completion.run() }
            group.addTask { await self.tracer.serveFlushRequests() }
            group.addTask { await self.tracer.processor.run() }
            let graceful: Bool
            do {
                try await gracefulShutdown()
                graceful = true
            } catch {
                graceful = false
            }
            group.cancelAll()
            return graceful
        }
        guard graceful else { return }
        await shutdownWithinBudget()
    }

    /// Exports every queued span and shuts the processors down, within ``shutdownBudget``.
    public func shutdownWithinBudget() async {
        let completion = self.completion
        await Diagnostics.withLogger(logger) {
            do {
                try await withTimeout(Self.shutdownBudget, "the final export") {
                    await completion.shutdown()
                }
            } catch {
                Diagnostics.warn("shutdown: \(error); spans still queued are lost")
            }
        }
    }
}
