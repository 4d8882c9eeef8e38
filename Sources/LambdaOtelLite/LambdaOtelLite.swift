@_exported public import OtelHost
@_exported public import LambdaOtelLiteRuntime
@_exported public import OtelApiGateway
@_exported public import OtelALB
@_exported public import OtelSQS
@_exported public import OtelSNS
@_exported public import OtelEventBridge
@_exported public import OtelS3
@_exported public import OtelDynamoDB
@_exported public import OtelKinesis
@_exported public import OtelStdoutExporter
@_exported public import Tracing
@_exported public import W3CTraceContext

extension Array where Element == any OtelPlugin {
    /// The built-in plugins, in the order they register: the API Gateway (v2, then v1) and ALB extractors, the
    /// SQS, SNS, EventBridge, S3, DynamoDB Streams and Kinesis extractors, and the otlp-stdout exporter.
    ///
    /// List your own plugins first so their extractors are tried before the built-ins:
    /// `plugins: [MyPlugin()] + .defaults`.
    public static var defaults: [any OtelPlugin] {
        [
            ApiGatewayPlugin(), ALBPlugin(), SQSPlugin(), SNSPlugin(), EventBridgePlugin(), S3Plugin(), DynamoDBPlugin(),
            KinesisPlugin(), StdoutExporterPlugin(),
        ]
    }
}
