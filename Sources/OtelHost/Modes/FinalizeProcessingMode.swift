/// `finalize`: the application's own processor exports (a ``BatchSpanProcessor``); an extension registered for
/// no events exists only so that Lambda sends SIGTERM at shutdown, when every processor is flushed.
package struct FinalizeProcessingMode: ProcessingMode {
    /// Creates the mode.
    package init() {}

    /// Registers the extension.
    package func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion {
        let client = try ExtensionRegistration.client(context)
        let id = try await ExtensionRegistration.register(client, events: [])
        return FinalizeCompletion(client: client, id: id, tracer: context.tracer)
    }
}

struct FinalizeCompletion: InvocationCompletion {
    let client: ExtensionAPIClient
    let id: String
    let tracer: OtelTracer

    var needsBackgroundWork: Bool { true }
    var registeredExtension: Bool { true }

    /// The processor exports on its own schedule; the other signals are written at the end of each invocation.
    func invocationDidEnd(_ invocation: InvocationContext) async {
        await tracer.flushParticipants(before: invocation)
    }

    func run() async {
        await ExtensionIdleLoop.run(client: client, id: id, name: "finalize")
    }

    func shutdown() async {
        await tracer.flush()
        await tracer.shutdownProcessors()
    }
}
