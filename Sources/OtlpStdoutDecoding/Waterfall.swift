/// Draws decoded spans as one waterfall per trace: the span tree, indented, with a time bar to scale, the
/// duration and the status.
public struct WaterfallRenderer: Sendable {
    /// Colour the output with ANSI escapes.
    public var color: Bool
    /// Print each span's attributes under it.
    public var showAttributes: Bool
    /// Print each span's events under it.
    public var showEvents: Bool
    /// Print each `log.record` event (a swift-log record) under its span as one short line: level and message.
    public var showLogs: Bool
    /// Print each of a span's links under it; without it, a span with links gets one line with their count.
    public var showLinks: Bool
    /// The width of the time bar, in characters.
    public var barWidth: Int

    /// Creates a renderer.
    public init(
        color: Bool = false, showAttributes: Bool = false, showEvents: Bool = false, showLinks: Bool = false,
        showLogs: Bool = false, barWidth: Int = 40
    ) {
        self.showLogs = showLogs
        self.color = color
        self.showAttributes = showAttributes
        self.showEvents = showEvents
        self.showLinks = showLinks
        self.barWidth = max(10, barWidth)
    }

    /// One span with the resource it came from.
    public typealias Entry = (resource: [DecodedAttribute], span: DecodedSpan)

    /// Renders the spans, one waterfall per trace, traces in order of their first span's start.
    public func render(_ entries: [Entry]) -> String {
        var byTrace: [String: [Entry]] = [:]
        var order: [String] = []
        for entry in entries {
            if byTrace[entry.span.traceID] == nil { order.append(entry.span.traceID) }
            byTrace[entry.span.traceID, default: []].append(entry)
        }
        order.sort { (byTrace[$0]?.map(\.span.startTimeUnixNano).min() ?? 0) < (byTrace[$1]?.map(\.span.startTimeUnixNano).min() ?? 0) }
        var out = ""
        for traceID in order {
            out += renderTrace(traceID, byTrace[traceID] ?? [])
        }
        return out
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private func renderTrace(_ traceID: String, _ entries: [Entry]) -> String {
        let spans = entries.map(\.span)
        let start = spans.map(\.startTimeUnixNano).min() ?? 0
        let end = max(spans.map(\.endTimeUnixNano).max() ?? start, start + 1)
        let total = end - start
        let service = entries.first.flatMap { entry -> String? in
            if case .string(let name)? = entry.resource["service.name"] { return name }
            return nil
        } ?? "unknown"
        var out = paint("trace \(traceID)", "1") + "  service \(service)  \(spans.count) span\(spans.count == 1 ? "" : "s")  \(Self.duration(total))\n"

        let ids = Set(spans.map(\.spanID))
        var children: [String: [DecodedSpan]] = [:]
        var roots: [DecodedSpan] = []
        for span in spans {
            if let parent = span.parentSpanID, ids.contains(parent) {
                children[parent, default: []].append(span)
            } else {
                roots.append(span)
            }
        }
        let byStart: (DecodedSpan, DecodedSpan) -> Bool = { $0.startTimeUnixNano < $1.startTimeUnixNano }
        roots.sort(by: byStart)

        var lines: [(label: String, span: DecodedSpan, depth: Int)] = []
        var visited: Set<String> = []
        func walk(_ span: DecodedSpan, depth: Int, orphan: Bool) {
            guard visited.insert(span.spanID).inserted else { return }
            var label = String(repeating: "  ", count: depth) + span.name
            if orphan { label += " ↖" }
            lines.append((label, span, depth))
            for child in (children[span.spanID] ?? []).sorted(by: byStart) { walk(child, depth: depth + 1, orphan: false) }
        }
        for root in roots { walk(root, depth: 0, orphan: root.parentSpanID != nil) }
        if roots.contains(where: { $0.parentSpanID != nil }) {
            out += "  (↖ the parent span is in another process or line)\n"
        }

        let labelWidth = min(60, (lines.map { $0.label.count + $0.span.kindName.count + 3 }.max() ?? 10))
        for (label, span, depth) in lines {
            let kind = " [\(span.kindName)]"
            var left = label + kind
            if left.count > labelWidth { left = String(left.prefix(labelWidth - 1)) + "…" }
            left += String(repeating: " ", count: max(0, labelWidth - left.count))
            let offset = Int(Double(span.startTimeUnixNano - start) / Double(total) * Double(barWidth))
            let length = max(1, Int((Double(span.durationNanos) / Double(total) * Double(barWidth)).rounded()))
            let clampedOffset = min(offset, barWidth - 1)
            let clampedLength = min(length, barWidth - clampedOffset)
            let bar = String(repeating: " ", count: clampedOffset) + String(repeating: "█", count: clampedLength)
                + String(repeating: " ", count: barWidth - clampedOffset - clampedLength)
            let status: String
            switch span.statusCode {
            case 1: status = paint("OK", "32")
            case 2: status = paint("ERROR", "31") + (span.statusMessage.isEmpty ? "" : " \(span.statusMessage)")
            default: status = ""
            }
            let barText = paint("|" + bar + "|", span.statusCode == 2 ? "31" : "36")
            let durationText = Self.duration(span.durationNanos)
            let padding = String(repeating: " ", count: max(0, 9 - durationText.count))
            out += "  \(left) \(barText) \(padding)\(durationText) \(status)\n"
            let indent = "  " + String(repeating: "  ", count: depth + 1)
            if showAttributes {
                for attribute in span.attributes.sorted(by: { $0.key < $1.key }) {
                    out += indent + paint("\(attribute.key)=\(attribute.value)", "2") + "\n"
                }
            }
            out += renderLinks(of: span, indent: indent)
            if showEvents {
                for event in span.events {
                    let at = event.timeUnixNano >= span.startTimeUnixNano ? event.timeUnixNano - span.startTimeUnixNano : 0
                    var text = "event \(event.name) at +\(Self.duration(at))"
                    for attribute in event.attributes { text += " \(attribute.key)=\(attribute.value)" }
                    out += indent + paint(text, "33") + "\n"
                }
            } else if showLogs {
                for event in span.events where event.name == "log.record" {
                    let at = event.timeUnixNano >= span.startTimeUnixNano ? event.timeUnixNano - span.startTimeUnixNano : 0
                    let level = event.attributes.first { $0.key == "event.severity_text" }?.value.description ?? "LOG"
                    let body = event.attributes.first { $0.key == "event.body" }?.value.description ?? ""
                    out += indent + paint("log \(level) +\(Self.duration(at)) \(body)", level == "ERROR" ? "31" : "33") + "\n"
                }
            }
        }
        return out
    }

    /// The link lines of a span: one per link with `showLinks`, else a count; nothing for a span without links.
    private func renderLinks(of span: DecodedSpan, indent: String) -> String {
        guard !span.links.isEmpty || span.droppedLinksCount > 0 else { return "" }
        let dropped = span.droppedLinksCount > 0 ? " (+\(span.droppedLinksCount) dropped)" : ""
        guard showLinks else {
            let count = span.links.count
            return indent + paint("↪ \(count) link\(count == 1 ? "" : "s")\(dropped)", "35") + "\n"
        }
        var out = ""
        for link in span.links {
            var text = "↪ link trace \(link.traceID) span \(link.spanID)"
            if !link.traceState.isEmpty { text += " tracestate=\(link.traceState)" }
            for attribute in link.attributes { text += " \(attribute.key)=\(attribute.value)" }
            out += indent + paint(text, "35") + "\n"
        }
        if span.droppedLinksCount > 0 {
            out += indent + paint("↪ \(span.droppedLinksCount) more link\(span.droppedLinksCount == 1 ? "" : "s") dropped", "35") + "\n"
        }
        return out
    }

    /// A duration in the most readable unit.
    public static func duration(_ nanos: UInt64) -> String {
        if nanos < 1_000 { return "\(nanos)ns" }
        if nanos < 1_000_000 { return format(Double(nanos) / 1_000, "µs") }
        if nanos < 1_000_000_000 { return format(Double(nanos) / 1_000_000, "ms") }
        return format(Double(nanos) / 1_000_000_000, "s")
    }

    private static func format(_ value: Double, _ unit: String) -> String {
        let rounded = (value * 100).rounded() / 100
        var text = String(rounded)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text + unit
    }
}
