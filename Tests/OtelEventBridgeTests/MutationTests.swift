import OtelHost
import OtelEventBridge
import PluginTestSupport
import Testing

struct EventBridgeMutationTests {
    /// Every field of the sample event, one at a time, with a value of the wrong type: the extractor still
    /// returns a result (fewer attributes), never traps.
    @Test func wrongTypesAnywhereNeverBreakExtraction() throws {
        let extractor = EventBridgeExtractor()
        let variants = mutations(of: try JSONValue(parsing: try exampleEvent("eventbridge_scheduled.json")))
        #expect(variants.count > 50)
        var matched = 0
        for variant in variants where extractor.matches(variant) {
            matched += 1
            let extracted = extractor.extract(variant)
            #expect(extracted.carrier == nil)
        }
        #expect(matched > 0)
    }
}
