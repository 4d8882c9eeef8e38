import OtelHost
import OtelKinesis
import PluginTestSupport
import Testing

struct KinesisMutationTests {
    /// Every field of the sample event, one at a time, with a value of the wrong type: the extractor still
    /// returns a result (fewer attributes), never traps.
    @Test func wrongTypesAnywhereNeverBreakExtraction() throws {
        try expectWrongTypesNeverBreakExtraction(KinesisExtractor(), sample: "kinesis.json")
    }
}
