/// A signal the telemetry writes beside its spans, at the moments it exports them: metrics, for example.
///
/// Plugins add participants with ``PluginRegistry/registerFlushParticipant(_:)``. Each flush of the spans (before
/// the response in `sync` mode, after it in `async`, on the background exporter's interval, at the end of each
/// invocation in `finalize`) is followed by a call to ``flush()``, and the telemetry's shutdown by a call to
/// ``shutdown()``, after the span processors shut down. While ``flush()`` runs, ``ExportDeadline/current`` is the
/// instant to be done by when the flush has one.
///
/// A participant must not throw or wait past that deadline: it logs its own failures and drops what it could not
/// write.
public protocol FlushParticipant: Sendable {
    /// Whether the participant holds something to write; a `sync` invocation that ends with nothing queued skips
    /// its second flush only when no participant has anything either.
    var hasPendingData: Bool { get }

    /// Writes what the participant holds.
    func flush() async

    /// Writes what is left; the telemetry is shutting down.
    func shutdown() async
}

extension FlushParticipant {
    /// Flushes.
    public func shutdown() async { await flush() }
}
