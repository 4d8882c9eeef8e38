import OtelHost
import OtelSQS
import PluginTestSupport
import Testing

struct SQSMutationTests {
    /// Every field of the sample event, one at a time, with a value of the wrong type: the extractor still
    /// returns a result (fewer attributes), never traps.
    @Test func wrongTypesAnywhereNeverBreakExtraction() throws {
        try expectWrongTypesNeverBreakExtraction(SQSExtractor(), sample: "sqs_batch.json")
    }
}
