public import OtelHost

/// Every variant of `event` with exactly one value (the whole event, a member, an element, at any depth) replaced
/// by a value of another type: `null`, a number, a string, an empty array, an empty object, a huge string.
public func mutations(of event: JSONValue) -> [JSONValue] {
    let replacements: [JSONValue] = [
        .null, .number(-1e300), .string(""), .string("\u{FFFD}\u{0}"), .array([]), .object(JSONObject()),
        .string(String(repeating: "x", count: 100_000)),
    ]
    var out: [JSONValue] = replacements
    switch event {
    case .object(let object):
        for (i, member) in object.members.enumerated() {
            for variant in mutations(of: member.value) {
                var copy = object
                copy.members[i].value = variant
                out.append(.object(copy))
            }
        }
    case .array(let elements):
        for (i, element) in elements.enumerated() {
            for variant in mutations(of: element) {
                var copy = elements
                copy[i] = variant
                out.append(.array(copy))
            }
        }
    default:
        break
    }
    return out
}
