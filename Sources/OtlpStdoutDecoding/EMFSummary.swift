import OtelHost

/// Embedded Metric Format lines read back and summarised: one row per metric and dimension set, with its unit,
/// how many values it had, their sum, minimum and maximum (the demo and the viewer print it).
public struct EMFSummary: Sendable {
    /// One metric over every line read.
    public struct Metric: Sendable, Hashable {
        /// The namespace.
        public var namespace: String
        /// The metric's name.
        public var name: String
        /// The dimensions, as `name=value`, in the line's order.
        public var dimensions: [String]
        /// The unit.
        public var unit: String
        /// Every value, in order.
        public var values: [Double]
    }

    /// The metrics, in the order they first appeared.
    public private(set) var metrics: [Metric] = []
    /// How many EMF lines were read.
    public private(set) var lineCount = 0
    private var index: [String: Int] = [:]

    /// Creates an empty summary.
    public init() {}

    /// Adds a line when it is an EMF document (bare, wrapped in the `message` of Lambda's JSON log format, or
    /// after a CloudWatch Logs export's prefix); returns whether it was one.
    @discardableResult
    public mutating func add(line: String) -> Bool {
        guard line.contains("\"_aws\""), let start = line.firstIndex(of: "{") else { return false }
        guard var root = try? JSONValue(parsing: String(line[start...])) else { return false }
        if root["_aws"] == nil, let message = root["message"]?.stringValue,
            let inner = try? JSONValue(parsing: message)
        {
            root = inner
        }
        guard let directives = root["_aws"]?["CloudWatchMetrics"]?.arrayValue else { return false }
        lineCount += 1
        for directive in directives {
            let namespace = directive["Namespace"]?.stringValue ?? ""
            let keys = directive["Dimensions"]?.arrayValue?.first?.arrayValue?.compactMap(\.stringValue) ?? []
            let dimensions = keys.map { "\($0)=\(root[$0]?.stringValue ?? "?")" }
            for definition in directive["Metrics"]?.arrayValue ?? [] {
                guard let name = definition["Name"]?.stringValue else { continue }
                let values: [Double]
                switch root[name] {
                case .number(let value)?: values = [value]
                case .array(let elements)?: values = elements.compactMap(\.numberValue)
                default: values = []
                }
                let key = ([namespace, name] + dimensions).joined(separator: "\u{1F}")
                if let existing = index[key] {
                    metrics[existing].values += values
                } else {
                    index[key] = metrics.count
                    metrics.append(Metric(
                        namespace: namespace, name: name, dimensions: dimensions,
                        unit: definition["Unit"]?.stringValue ?? "None", values: values))
                }
            }
        }
        return true
    }

    /// The summary as text: a header line, then one row per metric.
    public func render() -> String {
        guard lineCount > 0 else { return "" }
        let namespaces = Array(Set(metrics.map(\.namespace))).sorted().joined(separator: ", ")
        var out = "\(lineCount) EMF metric lines, namespace \(namespaces):\n"
        let labels = metrics.map { metric in
            metric.dimensions.isEmpty ? metric.name : "\(metric.name){\(metric.dimensions.joined(separator: ","))}"
        }
        let width = labels.map(\.count).max() ?? 0
        for (metric, label) in zip(metrics, labels) {
            let padding = String(repeating: " ", count: width - label.count)
            let sum = metric.values.reduce(0, +)
            var row = "  \(label)\(padding)  \(metric.unit)"
            if metric.values.count == 1 {
                row += " \(Self.number(sum))"
            } else if let low = metric.values.min(), let high = metric.values.max() {
                row += " n=\(metric.values.count) sum=\(Self.number(sum)) min=\(Self.number(low)) max=\(Self.number(high))"
            }
            out += row + "\n"
        }
        return out
    }

    private static func number(_ value: Double) -> String {
        if value.rounded() == value && abs(value) < 1e15 { return String(Int64(value)) }
        let scaled = (value * 1000).rounded() / 1000
        return String(scaled)
    }
}
