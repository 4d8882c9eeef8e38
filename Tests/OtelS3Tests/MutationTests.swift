import OtelHost
import OtelS3
import PluginTestSupport
import Testing

struct S3MutationTests {
    /// Every field of the sample event, one at a time, with a value of the wrong type: the extractor still
    /// returns a result (fewer attributes), never traps.
    @Test func wrongTypesAnywhereNeverBreakExtraction() throws {
        try expectWrongTypesNeverBreakExtraction(S3Extractor(), sample: "s3_put.json")
    }
}
