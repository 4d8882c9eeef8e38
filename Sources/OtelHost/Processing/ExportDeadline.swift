/// The instant by which the export running now must be done, when the flush that started it has one.
///
/// A `sync` flush sets it to the invocation's deadline less the response margin (a tenth of the time left, at least
/// 20 ms and at most 500 ms), and so does the `async` extension's flush after the response. An exporter that waits
/// for its output (the stdout exporter waits for a slow reader) waits until this instant rather than its own
/// default, and drops what it could not write by then. `nil` when the flush has no invocation to answer
/// (shutdown, the background exporter), where an exporter keeps its own bound.
public enum ExportDeadline {
    /// The deadline of the current export, if its flush has one.
    @TaskLocal public static var current: ContinuousClock.Instant?
}
