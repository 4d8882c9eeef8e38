public import OtelHost
public import Testing

/// Every variant of `event` with exactly one value (the whole event, a member, an element, at any depth) replaced
/// by a value of another type: `null`, a number, a string, an empty array, an empty object, a huge string.
package func mutations(of event: JSONValue) -> [JSONValue] {
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

/// Runs an extractor over every wrong-typed variant of a sample event (``mutations(of:)``): it must recognise
/// some of them and return a result for each it recognises, never trap. The event-source extractors take the
/// parent from the invocation's trace header, never from the event, so no result carries headers.
///
/// - Parameters:
///   - extractor: The extractor under test.
///   - sample: The file name of the sample event in `Examples/Events/`.
///   - sourceLocation: Where a failed expectation is reported.
public func expectWrongTypesNeverBreakExtraction(
    _ extractor: some EventExtractor, sample: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let variants = mutations(of: try JSONValue(parsing: try exampleEvent(sample)))
    #expect(variants.count > 50, sourceLocation: sourceLocation)
    var matched = 0
    for variant in variants where extractor.matches(variant) {
        matched += 1
        let extracted = extractor.extract(variant)
        #expect(extracted.carrier == nil, "a variant of \(sample) gave headers", sourceLocation: sourceLocation)
    }
    #expect(matched > 0, "no variant of \(sample) was recognised", sourceLocation: sourceLocation)
}
