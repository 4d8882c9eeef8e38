import OtelHost
import OtelDynamoDB
import PluginTestSupport
import Testing

struct DynamoDBMutationTests {
    /// Every field of the sample event, one at a time, with a value of the wrong type: the extractor still
    /// returns a result (fewer attributes), never traps.
    @Test func wrongTypesAnywhereNeverBreakExtraction() throws {
        try expectWrongTypesNeverBreakExtraction(DynamoDBExtractor(), sample: "dynamodb_stream.json")
    }
}
