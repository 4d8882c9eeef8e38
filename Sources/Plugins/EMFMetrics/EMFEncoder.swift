import OtelHost

/// Turns drained metrics into Embedded Metric Format lines, within CloudWatch's limits: at most 100 metrics per
/// line, 30 dimensions per dimension set and 100 values per metric; a line over ``maxLineBytes`` is split.
struct EMFEncoder: Sendable {
    /// Metric definitions per line (`Metrics` of one directive).
    static let maxMetricsPerLine = 100
    /// Keys per dimension set.
    static let maxDimensions = 30
    /// Values per metric per line.
    static let maxValuesPerMetric = 100
    /// A CloudWatch metric name's longest length.
    static let maxNameLength = 255
    /// A dimension name's longest length.
    static let maxDimensionNameLength = 250
    /// A dimension value's longest length.
    static let maxDimensionValueLength = 1024
    /// The largest magnitude CloudWatch accepts (2^360).
    static let maxMagnitude = 0x1p360

    /// `text` cut to `limit` Unicode scalars, the unit the format's lengths count.
    static func cut(_ text: String, _ limit: Int) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > limit else { return text }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars.prefix(limit))
        return String(out)
    }

    /// The CloudWatch namespace.
    var namespace: String
    /// Dimensions every metric carries (a metric's own dimension of the same name wins).
    var defaultDimensions: [(String, String)]
    /// `1` for high-resolution metrics, `60` (the default, not written) for standard ones.
    var storageResolution: Int
    /// The longest line: a CloudWatch Logs event holds 256 KiB; Lambda's log lines are cut past that.
    var maxLineBytes = 200_000

    /// One metric's values in one line.
    private struct Entry {
        var name: String
        var unit: String
        var values: ArraySlice<Double>
    }

    /// The lines for `metrics`, stamped `timestampMs`; each ends with a newline.
    func lines(_ metrics: [DrainedMetric], timestampMs: Int64) -> [[UInt8]] {
        // Metrics with the same dimensions share lines, in the order their dimension sets first appear.
        var groups: [[(String, String)]] = []
        var groupIndex: [[String]: Int] = [:]
        var entries: [[Entry]] = []
        var units: [[String: String]] = []
        for metric in metrics {
            let dimensions = merged(metric.dimensions)
            let key = dimensions.flatMap { [$0.0, $0.1] }
            let index: Int
            if let existing = groupIndex[key] {
                index = existing
            } else {
                index = groups.count
                groupIndex[key] = index
                groups.append(dimensions)
                entries.append([])
                units.append([:])
            }
            let name = Self.cut(metric.name, Self.maxNameLength)
            guard !name.isEmpty else { continue }
            if dimensions.contains(where: { $0.0 == name }) || name == "_aws" {
                Diagnostics.warnOnce(
                    "emf-name-clash",
                    "metric \(name.truncatedForLog()) has the name of one of its dimensions; it is not written")
                continue
            }
            // One name, one unit per dimension set: a timer and a counter with the same label would clash.
            if let unit = units[index][name], unit != metric.unit {
                Diagnostics.warnOnce(
                    "emf-unit-clash",
                    "metrics \(name.truncatedForLog()) of two kinds (\(unit), \(metric.unit)) share a name and "
                        + "dimensions; the \(metric.unit) one is not written")
                continue
            }
            units[index][name] = metric.unit
            // CloudWatch takes finite values within ±2^360; a sum that overflowed is not one.
            let values = metric.values.filter { $0.isFinite && abs($0) <= Self.maxMagnitude }
            if values.count < metric.values.count {
                Diagnostics.warnOnce(
                    "emf-out-of-range", "metric \(name.truncatedForLog()) has values CloudWatch cannot take; they are dropped")
            }
            var start = values.startIndex
            while start < values.endIndex {
                let end = min(start + Self.maxValuesPerMetric, values.endIndex)
                entries[index].append(Entry(name: name, unit: metric.unit, values: values[start..<end]))
                start = end
            }
        }
        var out: [[UInt8]] = []
        for (index, dimensions) in groups.enumerated() {
            for batch in pack(entries[index]) {
                encode(batch, dimensions: dimensions, timestampMs: timestampMs, into: &out)
            }
        }
        return out
    }

    /// The defaults, then the metric's own dimensions (replacing a default of the same name); empty names and
    /// values are left out, long ones cut.
    private func merged(_ own: [(String, String)]) -> [(String, String)] {
        var result: [(String, String)] = []
        result.reserveCapacity(defaultDimensions.count + own.count)
        for (name, value) in defaultDimensions + own {
            let name = Self.cut(name, Self.maxDimensionNameLength)
            let value = Self.cut(value, Self.maxDimensionValueLength)
            guard !name.isEmpty, !value.isEmpty, name != "_aws" else { continue }
            if let existing = result.firstIndex(where: { $0.0 == name }) {
                result[existing].1 = value
            } else {
                result.append((name, value))
            }
        }
        return result
    }

    /// Entries into lines: at most 100 per line, no name twice in one line.
    private func pack(_ entries: [Entry]) -> [[Entry]] {
        var lines: [[Entry]] = []
        var current: [Entry] = []
        var names: Set<String> = []
        for entry in entries {
            if current.count == Self.maxMetricsPerLine || names.contains(entry.name) {
                // A metric's later chunk goes to the first line that does not hold the metric yet.
                if let open = lines.indices.first(where: { i in
                    lines[i].count < Self.maxMetricsPerLine && !lines[i].contains { $0.name == entry.name }
                }) {
                    lines[open].append(entry)
                    continue
                }
                lines.append(current)
                current = []
                names = []
            }
            current.append(entry)
            names.insert(entry.name)
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    private func encode(
        _ entries: [Entry], dimensions: [(String, String)], timestampMs: Int64, into out: inout [[UInt8]]
    ) {
        var line: [UInt8] = []
        line.reserveCapacity(256 + entries.count * 48)
        line.append(contentsOf: #"{"_aws":{"Timestamp":"#.utf8)
        line.append(contentsOf: String(timestampMs).utf8)
        line.append(contentsOf: #","CloudWatchMetrics":[{"Namespace":"#.utf8)
        JSONWriter.appendString(namespace, to: &line)
        line.append(contentsOf: #","Dimensions":[["#.utf8)
        let keys = dimensions.prefix(Self.maxDimensions)
        for (i, (name, _)) in keys.enumerated() {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(name, to: &line)
        }
        line.append(contentsOf: #"]],"Metrics":["#.utf8)
        for (i, entry) in entries.enumerated() {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            line.append(contentsOf: #"{"Name":"#.utf8)
            JSONWriter.appendString(entry.name, to: &line)
            line.append(contentsOf: #","Unit":"#.utf8)
            JSONWriter.appendString(entry.unit, to: &line)
            if storageResolution == 1 { line.append(contentsOf: #","StorageResolution":1"#.utf8) }
            line.append(UInt8(ascii: "}"))
        }
        line.append(contentsOf: "]}]}".utf8)
        // Dimensions past the 30th are written as properties: searchable in the log, not dimensions.
        for (name, value) in dimensions {
            line.append(UInt8(ascii: ","))
            JSONWriter.appendString(name, to: &line)
            line.append(UInt8(ascii: ":"))
            JSONWriter.appendString(value, to: &line)
        }
        for entry in entries {
            line.append(UInt8(ascii: ","))
            JSONWriter.appendString(entry.name, to: &line)
            line.append(UInt8(ascii: ":"))
            if entry.values.count == 1, let only = entry.values.first {
                Self.appendNumber(only, to: &line)
            } else {
                line.append(UInt8(ascii: "["))
                for (j, value) in entry.values.enumerated() {
                    if j > 0 { line.append(UInt8(ascii: ",")) }
                    Self.appendNumber(value, to: &line)
                }
                line.append(UInt8(ascii: "]"))
            }
        }
        line.append(contentsOf: "}\n".utf8)
        if line.count > maxLineBytes {
            guard entries.count > 1 else {
                Diagnostics.warnOnce(
                    "emf-line-size",
                    "an EMF line for metric \(entries.first?.name.truncatedForLog() ?? "?") would be \(line.count) bytes, "
                        + "over \(maxLineBytes) (its dimensions are too long); it is not written")
                return
            }
            let half = entries.count / 2
            encode(Array(entries[..<half]), dimensions: dimensions, timestampMs: timestampMs, into: &out)
            encode(Array(entries[half...]), dimensions: dimensions, timestampMs: timestampMs, into: &out)
            return
        }
        out.append(line)
    }

    /// A finite number: integral values without a fraction, others in Swift's shortest round-trip form.
    static func appendNumber(_ value: Double, to out: inout [UInt8]) {
        if value.rounded() == value && abs(value) < 1e15 {
            out.append(contentsOf: String(Int64(value)).utf8)
        } else {
            out.append(contentsOf: String(value).utf8)
        }
    }
}
