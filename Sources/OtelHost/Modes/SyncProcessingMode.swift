/// `sync`: every invocation's spans are exported before its response is sent.
package struct SyncProcessingMode: ProcessingMode {
    /// Creates the mode.
    package init() {}

    /// Starts the mode.
    package func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion {
        SyncCompletion(tracer: context.tracer)
    }
}

struct SyncCompletion: InvocationCompletion {
    let tracer: OtelTracer

    func responseWillBeSent(_ invocation: InvocationContext) async {
        await tracer.flush(before: invocation)
    }

    /// Spans ended after the response (background work) are exported before the next invocation; when no
    /// response hook ran, this is the invocation's export.
    func invocationDidEnd(_ invocation: InvocationContext) async {
        guard tracer.processor.pendingSpanCount != 0 || tracer.participantsHavePendingData else { return }
        await tracer.flush(before: invocation)
    }

    func shutdown() async {
        await tracer.shutdownProcessors()
    }
}
