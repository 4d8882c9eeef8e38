import OtelHost
import OtelEventBridge
import PluginTestSupport
import Testing

struct EventBridgeMutationTests {
    /// Every field of the sample event, one at a time, with a value of the wrong type: the extractor still
    /// returns a result (fewer attributes), never traps.
    @Test func wrongTypesAnywhereNeverBreakExtraction() throws {
        try expectWrongTypesNeverBreakExtraction(EventBridgeExtractor(), sample: "eventbridge_scheduled.json")
    }
}
