import OtelHost

/// The Embedded Metric Format specification's rules, checked on one line: the metadata object, the metric
/// directives, the dimension sets and metric definitions with no members beyond the specification's, and every
/// reference resolved to a root member of the right type, within CloudWatch's limits.
enum EMFRules {
    static let units: Set<String> = [
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
        "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
        "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    ]

    /// What breaks the rules in `line`; empty when it is a valid EMF document.
    static func violations(_ line: String) -> [String] {
        var problems: [String] = []
        guard line.utf8.count <= 256 * 1024 else { return ["line over 256 KiB"] }
        guard let root = try? JSONValue(parsing: line), let object = root.objectValue else { return ["not a JSON object"] }
        guard let aws = object["_aws"]?.objectValue else { return ["no _aws object"] }
        for member in aws.members where !["Timestamp", "CloudWatchMetrics", "LogGroupName", "LogStreamName"].contains(member.key) {
            problems.append("unexpected _aws member \(member.key)")
        }
        guard let timestamp = aws["Timestamp"]?.numberValue, timestamp >= 0, timestamp.rounded() == timestamp else {
            return problems + ["Timestamp is not a non-negative integer"]
        }
        guard let directives = aws["CloudWatchMetrics"]?.arrayValue, !directives.isEmpty else {
            return problems + ["CloudWatchMetrics is not a non-empty array"]
        }
        for directive in directives {
            guard let d = directive.objectValue else { problems.append("directive is not an object"); continue }
            for member in d.members where !["Namespace", "Dimensions", "Metrics"].contains(member.key) {
                problems.append("unexpected directive member \(member.key)")
            }
            if let namespace = d["Namespace"]?.stringValue {
                if namespace.isEmpty || namespace.count > 1024 || namespace.allSatisfy(\.isWhitespace) {
                    problems.append("bad Namespace")
                }
            } else {
                problems.append("no Namespace")
            }
            guard let sets = d["Dimensions"]?.arrayValue else { problems.append("no Dimensions"); continue }
            for set in sets {
                guard let keys = set.arrayValue else { problems.append("dimension set is not an array"); continue }
                if keys.count > 30 { problems.append("dimension set with \(keys.count) keys") }
                for key in keys {
                    guard let name = key.stringValue, !name.isEmpty, name.count <= 250 else {
                        problems.append("bad dimension key")
                        continue
                    }
                    guard let value = object[name]?.stringValue, !value.isEmpty, value.count <= 1024 else {
                        problems.append("dimension \(name) is not a non-empty string member")
                        continue
                    }
                }
            }
            guard let metrics = d["Metrics"]?.arrayValue, !metrics.isEmpty, metrics.count <= 100 else {
                problems.append("Metrics is not an array of 1 to 100 definitions")
                continue
            }
            var names: Set<String> = []
            for metric in metrics {
                guard let m = metric.objectValue else { problems.append("metric is not an object"); continue }
                for member in m.members where !["Name", "Unit", "StorageResolution"].contains(member.key) {
                    problems.append("unexpected metric member \(member.key)")
                }
                guard let name = m["Name"]?.stringValue, !name.isEmpty, name.count <= 1024 else {
                    problems.append("bad metric Name")
                    continue
                }
                if !names.insert(name).inserted { problems.append("metric \(name) defined twice") }
                if let unit = m["Unit"], !(unit.stringValue.map(units.contains) ?? false) {
                    problems.append("metric \(name): unit \(unit) is not a CloudWatch unit")
                }
                if let resolution = m["StorageResolution"], resolution.numberValue != 1 && resolution.numberValue != 60 {
                    problems.append("metric \(name): StorageResolution \(resolution)")
                }
                switch object[name] {
                case .number?:
                    break
                case .array(let values)?:
                    if values.isEmpty || values.count > 100 { problems.append("metric \(name): \(values.count) values") }
                    if values.contains(where: { $0.numberValue == nil }) { problems.append("metric \(name): a value is not a number") }
                default:
                    problems.append("metric \(name) has no number or array member")
                }
            }
        }
        return problems
    }

    /// The values of `name` in a line, and the line's member `key` as text.
    static func values(_ name: String, in line: String) -> [Double] {
        guard let root = try? JSONValue(parsing: line) else { return [] }
        switch root[name] {
        case .number(let value)?: return [value]
        case .array(let values)?: return values.compactMap(\.numberValue)
        default: return []
        }
    }

    /// The directive's dimension keys (first set) and metric names, and the namespace.
    static func directive(_ line: String) -> (namespace: String, dimensions: [String], metrics: [String], units: [String])? {
        guard let root = try? JSONValue(parsing: line),
            let directive = root["_aws"]?["CloudWatchMetrics"]?.arrayValue?.first
        else { return nil }
        let keys = directive["Dimensions"]?.arrayValue?.first?.arrayValue?.compactMap(\.stringValue) ?? []
        let definitions = directive["Metrics"]?.arrayValue ?? []
        return (
            directive["Namespace"]?.stringValue ?? "", keys, definitions.compactMap { $0["Name"]?.stringValue },
            definitions.compactMap { $0["Unit"]?.stringValue }
        )
    }

    /// A root member as text.
    static func string(_ key: String, in line: String) -> String? {
        (try? JSONValue(parsing: line))?[key]?.stringValue
    }
}
