import CoreMetrics
import Metrics
import OtelEMFMetrics
import OtelHost
import OtelHostTesting
import Testing

/// Runs one traced invocation with the EMF plugin writing into memory, and returns its EMF lines.
func emfLines(
    _ plugin: EMFMetrics, _ output: BufferLineOutput, environment: [String: String] = [:],
    body: @escaping @Sendable (EMFMetricsFactory) async throws -> Void
) async throws -> [String] {
    let factory = plugin.factory
    _ = try await invokeOnce("{}", plugins: [plugin], environment: environment) { _ in try await body(factory) }
    let lines = output.takeLines().map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
    for line in lines {
        #expect(EMFRules.violations(line) == [], "\(line.prefix(300))")
    }
    return lines
}

struct EMFMetricsTests {
    @Test func countersTimersMetersAndRecordersBecomeEMFLinesPerDimensionSet() async throws {
        let output = BufferLineOutput()
        let plugin = EMFMetrics(output: output)
        let lines = try await emfLines(plugin, output, environment: ["OTEL_SERVICE_NAME": "orders"]) { factory in
            Counter(label: "requests", dimensions: [("route", "/orders")], factory: factory).increment(by: 2)
            // Made again, the same series: what an invocation-scoped `Counter(label:)` does.
            Counter(label: "requests", dimensions: [("route", "/orders")], factory: factory).increment()
            let timer = Metrics.Timer(label: "load", factory: factory)
            timer.recordMilliseconds(5)
            timer.recordNanoseconds(7_500_000)
            Meter(label: "queue.depth", factory: factory).set(4)
            Recorder(label: "batch.size", factory: factory).record(3)
            Recorder(label: "batch.size", factory: factory).record(9)
            Gauge(label: "memory", factory: factory).record(128)
            FloatingPointCounter(label: "cost", factory: factory).increment(by: 0.25)
        }
        #expect(lines.count == 2)
        let routed = try #require(lines.first { EMFRules.string("route", in: $0) != nil })
        let plain = try #require(lines.first { EMFRules.string("route", in: $0) == nil })
        #expect(EMFRules.directive(routed)?.dimensions == ["service", "route"])
        #expect(EMFRules.directive(routed)?.metrics == ["requests"])
        #expect(EMFRules.directive(routed)?.namespace == EMFMetrics.defaultNamespace)
        #expect(EMFRules.string("service", in: routed) == "orders")
        #expect(EMFRules.values("requests", in: routed) == [3])
        let directive = try #require(EMFRules.directive(plain))
        #expect(directive.dimensions == ["service"])
        #expect(Set(directive.metrics) == ["load", "queue.depth", "batch.size", "memory", "cost"])
        #expect(EMFRules.values("load", in: plain) == [5, 7.5])
        #expect(EMFRules.values("queue.depth", in: plain) == [4])
        #expect(EMFRules.values("batch.size", in: plain) == [3, 9])
        #expect(EMFRules.values("memory", in: plain) == [128])
        #expect(EMFRules.values("cost", in: plain) == [0.25])
        let units = Dictionary(uniqueKeysWithValues: zip(directive.metrics, directive.units))
        #expect(units["load"] == "Milliseconds")
        #expect(units["cost"] == "Count")
        #expect(units["memory"] == "None")
    }

    @Test func whatWasWrittenIsNotWrittenAgain() async throws {
        let output = BufferLineOutput()
        let plugin = EMFMetrics(output: output)
        let counter = Counter(label: "once", factory: plugin.factory)
        let first = try await emfLines(plugin, output) { _ in counter.increment() }
        #expect(first.count == 1)
        // The next flush with no update writes nothing.
        let second = try await emfLines(plugin, output) { _ in }
        #expect(second.isEmpty)
    }

    @Test func namespaceDimensionsAndResolutionFollowTheEnvironment() async throws {
        let output = BufferLineOutput()
        let plugin = EMFMetrics(namespace: "FromCode", defaultDimensions: [("team", "core")], highResolution: false, output: output)
        let lines = try await emfLines(
            plugin, output,
            environment: ["OTEL_LITE_METRICS_NAMESPACE": "FromEnv", "OTEL_LITE_METRICS_HIGH_RESOLUTION": "true"]
        ) { factory in
            Counter(label: "n", dimensions: [("team", "payments"), ("empty", "")], factory: factory).increment()
        }
        let line = try #require(lines.first)
        #expect(EMFRules.directive(line)?.namespace == "FromEnv")
        // A metric's own dimension replaces a default of the same name; an empty value is left out.
        #expect(EMFRules.directive(line)?.dimensions == ["team"])
        #expect(EMFRules.string("team", in: line) == "payments")
        #expect(line.contains(#""StorageResolution":1"#))
    }

    @Test func limitsSplitLinesAndCapDimensions() async throws {
        let output = BufferLineOutput()
        let plugin = EMFMetrics(defaultDimensions: [], output: output)
        let lines = try await emfLines(plugin, output) { factory in
            for i in 0..<150 { Counter(label: "metric.\(i)", factory: factory).increment(by: Int64(i)) }
            let recorder = Recorder(label: "many", dimensions: [("kind", "values")], factory: factory)
            for i in 0..<250 { recorder.record(i) }
            let wide = (0..<35).map { ("d\($0)", "v\($0)") }
            Counter(label: "wide", dimensions: wide, factory: factory).increment()
        }
        let plain = lines.filter { EMFRules.directive($0)?.dimensions == [] }
        #expect(plain.map { EMFRules.directive($0)?.metrics.count ?? 0 }.sorted() == [50, 100])
        let sums = plain.flatMap { line in (0..<150).flatMap { EMFRules.values("metric.\($0)", in: line) } }
        #expect(sums.reduce(0, +) == Double((0..<150).reduce(0, +)))
        // A metric's values beyond 100 go on further lines, 100 at most on each.
        let many = lines.filter { EMFRules.string("kind", in: $0) == "values" }
        #expect(many.map { EMFRules.values("many", in: $0).count } == [100, 100, 50])
        #expect(many.flatMap { EMFRules.values("many", in: $0) } == (0..<250).map(Double.init))
        // 30 dimensions; the others are still in the line, as properties.
        let wide = try #require(lines.first { EMFRules.directive($0)?.metrics == ["wide"] })
        #expect(EMFRules.directive(wide)?.dimensions == (0..<30).map { "d\($0)" })
        #expect(EMFRules.string("d34", in: wide) == "v34")
    }

    @Test func valuesBeyondTheCapAndNonFiniteValuesAreDropped() async throws {
        let output = BufferLineOutput()
        let plugin = EMFMetrics(defaultDimensions: [], output: output)
        let lines = try await emfLines(plugin, output) { factory in
            let recorder = Recorder(label: "flood", factory: factory)
            for i in 0..<1_500 { recorder.record(i) }
            recorder.record(Double.nan)
            Meter(label: "level", factory: factory).set(Double.infinity)
            Counter(label: "ok", factory: factory).increment()
        }
        let flood = lines.flatMap { EMFRules.values("flood", in: $0) }
        #expect(flood.count == 1_000)
        #expect(flood == (0..<1_000).map(Double.init))
        #expect(lines.allSatisfy { !(EMFRules.directive($0)?.metrics.contains("level") ?? false) })
    }

    @Test func aMetricNamedLikeItsDimensionIsLeftOut() async throws {
        let output = BufferLineOutput()
        let plugin = EMFMetrics(output: output)
        let lines = try await emfLines(plugin, output) { factory in
            Counter(label: "service", factory: factory).increment()
            Counter(label: "fine", factory: factory).increment()
        }
        #expect(lines.count == 1)
        #expect(EMFRules.directive(lines[0])?.metrics == ["fine"])
    }

    @Test func builtinMetricsCountTheColdStartAndTheExport() async throws {
        let output = BufferLineOutput()
        let plugin = EMFMetrics(builtinMetrics: true, output: output)
        let lines = try await emfLines(plugin, output) { _ in }
        let line = try #require(lines.first)
        let names = try #require(EMFRules.directive(line)?.metrics)
        #expect(names.contains("ColdStart"))
        #expect(EMFRules.values("ColdStart", in: line) == [1])
        // The process's counters are shared by the tests that run at the same time: at least this invocation's
        // span was written.
        #expect(try #require(EMFRules.values("SpansExported", in: line).first) >= 1)
        #expect(try #require(EMFRules.values("ExportBytes", in: line).first) > 100)
        #expect(names.contains("SpansDropped"))
    }

    @Test func destroyedMetricsAreWrittenOnceThenForgotten() async throws {
        let output = BufferLineOutput()
        let plugin = EMFMetrics(output: output)
        let lines = try await emfLines(plugin, output) { factory in
            let counter = Counter(label: "short-lived", factory: factory)
            counter.increment(by: 5)
            counter.destroy()
        }
        #expect(lines.flatMap { EMFRules.values("short-lived", in: $0) } == [5])
        // A new counter of that label starts from zero.
        let again = try await emfLines(plugin, output) { factory in
            Counter(label: "short-lived", factory: factory).increment()
        }
        #expect(again.flatMap { EMFRules.values("short-lived", in: $0) } == [1])
    }
}

struct EMFEdgeCaseTests {
    @Test func aMetricMadeAgainAfterADestroyKeepsReporting() async throws {
        let output = BufferLineOutput()
        let plugin = EMFMetrics(output: output)
        Counter(label: "revived", factory: plugin.factory).destroy()
        // Made again before the flush that forgets destroyed series, and kept across flushes.
        let kept = Counter(label: "revived", factory: plugin.factory)
        let first = try await emfLines(plugin, output) { _ in kept.increment(by: 2) }
        #expect(first.flatMap { EMFRules.values("revived", in: $0) } == [2])
        let second = try await emfLines(plugin, output) { _ in kept.increment(by: 3) }
        #expect(second.flatMap { EMFRules.values("revived", in: $0) } == [3])
    }

    @Test func anOverflowedSumAndAUnitClashAreLeftOutAndTheLineStaysValid() async throws {
        let output = BufferLineOutput()
        let plugin = EMFMetrics(output: output)
        let lines = try await emfLines(plugin, output) { factory in
            let huge = FloatingPointCounter(label: "huge", factory: factory)
            huge.increment(by: 1e308)
            huge.increment(by: 1e308)
            Counter(label: "shared", factory: factory).increment()
            CoreMetrics.Timer(label: "shared", factory: factory).recordNanoseconds(1_000_000)
            Counter(label: "fine", factory: factory).increment()
        }
        let names = lines.flatMap { EMFRules.directive($0)?.metrics ?? [] }
        #expect(!names.contains("huge"))
        #expect(names.filter { $0 == "shared" }.count == 1)
        #expect(names.contains("fine"))
    }
}

struct EMFRulesTests {
    /// The checker the tests rely on refuses what the specification refuses.
    @Test(arguments: [
        #"{"x":1}"#,
        #"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["d"]],"Metrics":[{"Name":"m"}]}]},"m":1}"#,
        #"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"m","Unit":"Parsecs"}]}]},"m":1}"#,
        #"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"m"}]}]},"m":"1"}"#,
        #"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":" ","Dimensions":[[]],"Metrics":[{"Name":"m"}]}]},"m":1}"#,
        #"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"m","Extra":1}]}]},"m":1}"#,
    ])
    func invalidDocumentsAreRefused(_ line: String) {
        #expect(!EMFRules.violations(line).isEmpty)
    }

    @Test func aValidDocumentPasses() {
        let line = #"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["d"]],"Metrics":[{"Name":"m","Unit":"Count"}]}]},"d":"x","m":[1,2]}"#
        #expect(EMFRules.violations(line) == [])
    }
}
