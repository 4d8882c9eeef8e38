import OtelHost
import Testing
import Tracing

struct ResourceTests {
    let lambdaEnvironment: [String: String] = [
        "AWS_REGION": "eu-west-1",
        "AWS_LAMBDA_FUNCTION_NAME": "orders",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/25/[$LATEST]abc",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
    ]

    func resource(_ values: [String: String], custom: SpanAttributes? = nil) -> SpanAttributes {
        let env = OtelEnvironment(values)
        var registry = PluginRegistry(environment: env)
        registry.registerResourceDetector(LambdaResourceDetector())
        return OtelResourceBuilder.build(environment: env, detectors: registry.resourceDetectors, custom: custom)
            .attributes
    }

    @Test func everyLambdaRow() {
        let attributes = resource(lambdaEnvironment)
        #expect(attributes.get("cloud.provider") == .string("aws"))
        #expect(attributes.get("cloud.region") == .string("eu-west-1"))
        #expect(attributes.get("faas.name") == .string("orders"))
        #expect(attributes.get("faas.version") == .string("$LATEST"))
        #expect(attributes.get("faas.instance") == .string("2026/11/25/[$LATEST]abc"))
        #expect(attributes.get("faas.max_memory") == .int64(134_217_728))
        #expect(attributes.get("service.name") == .string("orders"))
        #expect(attributes.get("telemetry.sdk.language") == .string("swift"))
        #expect(attributes.get("telemetry.sdk.name") == .string("lambda-otel-lite"))
        #expect(attributes.get("telemetry.sdk.version") != nil)
        #expect(attributes.get("lambda_otel_lite.extension.span_processor_mode") == nil)
        #expect(attributes.get("lambda_otel_lite.lambda_span_processor.queue_size") == nil)
        #expect(attributes.get("lambda_otel_lite.otlp_stdout_span_exporter.compression_level") == nil)
    }

    @Test func emptyEnvironment() {
        let attributes = resource([:])
        #expect(attributes.get("service.name") == .string("unknown_service"))
        #expect(attributes.get("cloud.region") == nil)
        #expect(attributes.get("faas.name") == nil)
        #expect(attributes.get("faas.max_memory") == nil)
    }

    @Test func serviceNameFromOtelServiceName() {
        var env = lambdaEnvironment
        env["OTEL_SERVICE_NAME"] = "checkout"
        #expect(resource(env).get("service.name") == .string("checkout"))
    }

    @Test func invalidMemoryIsOmitted() {
        var env = lambdaEnvironment
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "128MB"
        #expect(resource(env).get("faas.max_memory") == nil)
    }

    @Test func configurationAttributesDescribeWhatRuns() async {
        var env = lambdaEnvironment
        // async cannot start without an Extensions API: the resource reports the mode that runs instead.
        env["LAMBDA_EXTENSION_SPAN_PROCESSOR_MODE"] = "async"
        env["LAMBDA_SPAN_PROCESSOR_QUEUE_SIZE"] = "4096"
        let telemetry = await LambdaTelemetry.make(plugins: [], environment: OtelEnvironment(env))
        let attributes = telemetry.tracer.resource.attributes
        #expect(telemetry.settings.requestedProcessingMode == .async)
        #expect(attributes.get("lambda_otel_lite.extension.span_processor_mode") == .string("sync"))
        #expect(attributes.get("lambda_otel_lite.lambda_span_processor.queue_size") == .int64(4096))

        env["LAMBDA_SPAN_PROCESSOR_QUEUE_SIZE"] = "lots"
        let fallback = await LambdaTelemetry.make(plugins: [], environment: OtelEnvironment(env))
        #expect(fallback.tracer.resource.attributes.get("lambda_otel_lite.lambda_span_processor.queue_size") == .int64(2048))
        // The host reads no plugin's variable.
        #expect(resource(["OTLP_STDOUT_SPAN_EXPORTER_COMPRESSION_LEVEL": "9"])
            .get("lambda_otel_lite.otlp_stdout_span_exporter.compression_level") == nil)
    }

    @Test func resourceAttributesArePercentDecodedAndMalformedOnesSkipped() {
        var env = lambdaEnvironment
        env["OTEL_RESOURCE_ATTRIBUTES"] =
            "deployment.environment=prod%20env, team = payments ,note=value%3Dtest,broken,bad=%ZZ,formula=a=b=c,=novalue"
        let attributes = resource(env)
        #expect(attributes.get("deployment.environment") == .string("prod env"))
        #expect(attributes.get("team") == .string("payments"))
        #expect(attributes.get("note") == .string("value=test"))
        #expect(attributes.get("formula") == .string("a=b=c"))
        #expect(attributes.get("broken") == nil)
        #expect(attributes.get("bad") == nil)
        #expect(attributes.get("") == nil)
    }

    @Test func lambdaValuesWinOverResourceAttributesAndCodeWinsOverAll() {
        var env = lambdaEnvironment
        env["OTEL_RESOURCE_ATTRIBUTES"] = "service.name=from-env,cloud.region=mars-1,extra=kept"
        let attributes = resource(env)
        #expect(attributes.get("service.name") == .string("orders"))
        #expect(attributes.get("cloud.region") == .string("eu-west-1"))
        #expect(attributes.get("extra") == .string("kept"))

        let withCustom = resource(env, custom: ["service.name": "from-code", "owner": "me"])
        #expect(withCustom.get("service.name") == .string("from-code"))
        #expect(withCustom.get("owner") == .string("me"))
    }
}
