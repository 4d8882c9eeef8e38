public import CoreMetrics

/// A swift-metrics backend that keeps each metric's values until the telemetry flushes, then writes them as
/// CloudWatch Embedded Metric Format lines (see ``EMFMetrics``).
///
/// Counters (integer and floating-point) write the sum of their increments since the last flush, in `Count`;
/// meters and non-aggregating recorders their last value; aggregating recorders and timers every value recorded
/// since the last flush (at most 1,000 per flush; timers in milliseconds unless they prefer another unit). A
/// metric's label is its name and its dimensions are its CloudWatch dimensions. Making a metric twice with the same
/// label and dimensions updates the same series.
public final class EMFMetricsFactory: MetricsFactory {
    let store = SeriesStore()
    private static let overflow = NOOPMetricsHandler.instance

    /// Creates a factory; ``EMFMetrics`` makes the one it writes.
    init() {}

    /// Makes (or finds) a counter.
    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        store.series(SeriesKey(.counter, label, dimensions)) { CounterSeries(label: label, dimensions: dimensions) }
            ?? Self.overflow
    }

    /// Makes (or finds) a floating-point counter.
    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        store.series(SeriesKey(.floatingCounter, label, dimensions)) {
            CounterSeries(label: label, dimensions: dimensions)
        } ?? Self.overflow
    }

    /// Makes (or finds) a meter.
    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        store.series(SeriesKey(.meter, label, dimensions)) { GaugeSeries(label: label, dimensions: dimensions) }
            ?? Self.overflow
    }

    /// Makes (or finds) a recorder: a gauge when `aggregate` is `false`.
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if aggregate {
            return store.series(SeriesKey(.recorder, label, dimensions)) {
                ValuesSeries(label: label, dimensions: dimensions, isTimer: false)
            } ?? Self.overflow
        }
        return store.series(SeriesKey(.gauge, label, dimensions)) { GaugeSeries(label: label, dimensions: dimensions) }
            ?? Self.overflow
    }

    /// Makes (or finds) a timer.
    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        store.series(SeriesKey(.timer, label, dimensions)) {
            ValuesSeries(label: label, dimensions: dimensions, isTimer: true)
        } ?? Self.overflow
    }

    /// Writes the counter's last values at the next flush, then forgets it.
    public func destroyCounter(_ handler: any CounterHandler) { store.retire(handler) }
    /// Writes the counter's last values at the next flush, then forgets it.
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { store.retire(handler) }
    /// Writes the meter's last value at the next flush, then forgets it.
    public func destroyMeter(_ handler: any MeterHandler) { store.retire(handler) }
    /// Writes the recorder's last values at the next flush, then forgets it.
    public func destroyRecorder(_ handler: any RecorderHandler) { store.retire(handler) }
    /// Writes the timer's last values at the next flush, then forgets it.
    public func destroyTimer(_ handler: any TimerHandler) { store.retire(handler) }
}
