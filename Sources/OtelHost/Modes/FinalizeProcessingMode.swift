/// `finalize`: the application's own processor exports (a ``BatchSpanProcessor``); an extension registered for
/// no events exists only so that Lambda sends SIGTERM at shutdown, when every processor is flushed.
public struct FinalizeProcessingMode: ProcessingMode {
    /// Creates the mode.
    public init() {}

    /// Registers the extension.
    public func start(_ context: ProcessingModeContext) async throws -> any InvocationCompletion {
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

    func invocationDidEnd(_ invocation: InvocationContext) async {}

    /// Calls `event/next`, which tells Lambda the extension is ready; for an extension with no events it does not
    /// return on AWS. Emulators may answer at once with an error: back off, never spin.
    func run() async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                _ = try await client.next(id: id)
                delay = .milliseconds(100)
            } catch {
                if Task.isCancelled { return }
                Diagnostics.warnOnce(
                    "finalize-next", "finalize extension: event/next failed (\(error)); retrying with back-off")
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return
                }
                delay = min(delay * 2, .seconds(10))
            }
        }
    }

    func shutdown() async {
        await tracer.flush()
        await tracer.shutdownProcessors()
    }
}
