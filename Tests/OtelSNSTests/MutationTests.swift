import OtelHost
import OtelSNS
import PluginTestSupport
import Testing

struct SNSMutationTests {
    /// Every field of the sample event, one at a time, with a value of the wrong type: the extractor still
    /// returns a result (fewer attributes), never traps.
    @Test func wrongTypesAnywhereNeverBreakExtraction() throws {
        try expectWrongTypesNeverBreakExtraction(SNSExtractor(), sample: "sns.json")
    }
}
