/// The loop of an extension registered for no events: it calls `event/next`, which tells Lambda the extension is
/// ready and makes Lambda send SIGTERM at shutdown. On AWS that call does not return; emulators may answer at once
/// with an error, so failures back off, never spin. Returns when the task is cancelled.
enum ExtensionIdleLoop {
    static func run(client: ExtensionAPIClient, id: String, name: String) async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                _ = try await client.next(id: id)
                delay = .milliseconds(100)
            } catch {
                if Task.isCancelled { return }
                Diagnostics.warnOnce(
                    "\(name)-next", "\(name) extension: event/next failed (\(error)); retrying with back-off")
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return
                }
                delay = min(delay * 2, .seconds(10))
            }
        }
    }
}
