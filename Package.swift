// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-lambda-otel-lite",
    platforms: [.macOS(.v15)],
    products: [
        // One import for users: the host plus the built-in plugins.
        .library(name: "LambdaOtelLite", targets: ["LambdaOtelLite"]),
        // The pieces, for users who want to pick exactly what they link.
        .library(name: "OtelHost", targets: ["OtelHost"]),
        .library(name: "OtelApiGateway", targets: ["OtelApiGateway"]),
        .library(name: "OtelALB", targets: ["OtelALB"]),
        .library(name: "OtelSQS", targets: ["OtelSQS"]),
        .library(name: "OtelSNS", targets: ["OtelSNS"]),
        .library(name: "OtelEventBridge", targets: ["OtelEventBridge"]),
        .library(name: "OtelS3", targets: ["OtelS3"]),
        .library(name: "OtelDynamoDB", targets: ["OtelDynamoDB"]),
        .library(name: "OtelKinesis", targets: ["OtelKinesis"]),
        .library(name: "OtelStdoutExporter", targets: ["OtelStdoutExporter"]),
        // Metrics as CloudWatch Embedded Metric Format lines (a swift-metrics backend), and swift-log records as
        // span events: not in the defaults, add them to the plugin list.
        .library(name: "OtelEMFMetrics", targets: ["OtelEMFMetrics"]),
        .library(name: "OtelLogEvents", targets: ["OtelLogEvents"]),
        // The adapter onto swift-aws-lambda-runtime 2.x (LambdaRuntime, LambdaManagedRuntime).
        .library(name: "LambdaOtelLiteRuntime", targets: ["LambdaOtelLiteRuntime"]),
        .library(name: "OtlpStdoutDecoding", targets: ["OtlpStdoutDecoding"]),
        .library(name: "OtelHostTesting", targets: ["OtelHostTesting"]),
        .executable(name: "hello-lambda", targets: ["HelloLambda"]),
        .executable(name: "otel-lite-demo", targets: ["Demo"]),
        .executable(name: "bare-lambda", targets: ["BareLambda"]),
        .executable(name: "otel-lite-soak", targets: ["Soak"]),
        .executable(name: "otlp-conformance-writer", targets: ["ConformanceWriter"]),
        .executable(name: "otel-lite-emf-writer", targets: ["EMFConformanceWriter"]),
        .executable(name: "otel-lite-view", targets: ["Viewer"]),
        .executable(name: "otel-lite-fuzz", targets: ["Fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.10.1"),
        // Not in every package mirror: see ../shared/vendor/use-vendored-packages and .ci/run.
        .package(url: "https://github.com/awslabs/swift-aws-lambda-runtime.git", from: "2.9.0"),
        .package(url: "https://github.com/awslabs/swift-aws-lambda-events.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.5.1"),
        // Documentation only: `swift package generate-documentation --target OtelHost`.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        // zlib from the system, found by pkg-config; the shim wraps zlib's init macros.
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .yum(["zlib-devel"]), .brew(["zlib"])]
        ),

        // The core host: protocols, registries, tracer, processors, modes, the Extensions API client. No runtime.
        .target(
            name: "OtelHost",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        // The only target that imports AWSLambdaRuntime.
        .target(
            name: "LambdaOtelLiteRuntime",
            dependencies: [
                "OtelHost",
                .product(name: "AWSLambdaRuntime", package: "swift-aws-lambda-runtime"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Plugins: each imports only the host, the helpers the plugins share, and (the exporter) zlib.
        // What the plugins share: HTTP request fields (API Gateway, ALB), record and ARN helpers (event sources), and
        // the line output that never blocks the function (the otlp-stdout exporter, the EMF metrics).
        .target(
            name: "OtelPluginSupport",
            dependencies: ["OtelHost", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Sources/Plugins/Support"
        ),
        .target(
            name: "OtelApiGateway",
            dependencies: ["OtelHost", "OtelPluginSupport"],
            path: "Sources/Plugins/ApiGateway"
        ),
        .target(name: "OtelALB", dependencies: ["OtelHost", "OtelPluginSupport"], path: "Sources/Plugins/ALB"),
        .target(name: "OtelSQS", dependencies: ["OtelHost", "OtelPluginSupport"], path: "Sources/Plugins/SQS"),
        .target(name: "OtelSNS", dependencies: ["OtelHost", "OtelPluginSupport"], path: "Sources/Plugins/SNS"),
        .target(
            name: "OtelEventBridge",
            dependencies: ["OtelHost", "OtelPluginSupport"],
            path: "Sources/Plugins/EventBridge"
        ),
        .target(name: "OtelS3", dependencies: ["OtelHost", "OtelPluginSupport"], path: "Sources/Plugins/S3"),
        .target(name: "OtelDynamoDB", dependencies: ["OtelHost", "OtelPluginSupport"], path: "Sources/Plugins/DynamoDB"),
        .target(name: "OtelKinesis", dependencies: ["OtelHost", "OtelPluginSupport"], path: "Sources/Plugins/Kinesis"),
        .target(
            name: "OtelStdoutExporter",
            dependencies: ["OtelHost", "OtelPluginSupport", "CZlib"],
            path: "Sources/Plugins/StdoutExporter"
        ),
        .target(
            name: "OtelEMFMetrics",
            dependencies: [
                "OtelHost", "OtelPluginSupport", .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Sources/Plugins/EMFMetrics"
        ),
        .target(
            name: "OtelLogEvents",
            dependencies: [
                "OtelHost", .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Sources/Plugins/LogEvents"
        ),

        // Umbrella: re-exports the host and the built-ins, and lists the default plugins.
        .target(
            name: "LambdaOtelLite",
            dependencies: [
                "OtelHost", "LambdaOtelLiteRuntime", "OtelApiGateway", "OtelALB", "OtelSQS", "OtelSNS",
                "OtelEventBridge", "OtelS3", "OtelDynamoDB", "OtelKinesis", "OtelStdoutExporter",
            ]
        ),

        // Test support, offered to users too: in-memory exporter, the local Lambda emulator (Runtime + Extensions API).
        .target(
            name: "OtelHostTesting",
            dependencies: [
                "OtelHost", "OtelStdoutExporter", "OtlpStdoutDecoding",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),

        // otlp-stdout line decoding and the span waterfall (demo, viewer, tests).
        .target(name: "OtlpStdoutDecoding", dependencies: ["OtelHost", "CZlib"]),

        .target(
            name: "HelloLambdaHandler",
            dependencies: [
                "OtelHost",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AWSLambdaEvents", package: "swift-aws-lambda-events"),
                .product(name: "AWSLambdaRuntime", package: "swift-aws-lambda-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Examples/HelloLambdaHandler"
        ),
        .executableTarget(
            name: "HelloLambda",
            dependencies: [
                "LambdaOtelLite", "HelloLambdaHandler", "OtelEMFMetrics", "OtelLogEvents",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AWSLambdaRuntime", package: "swift-aws-lambda-runtime"),
            ],
            path: "Examples/HelloLambda"
        ),
        // The README's function.
        .executableTarget(
            name: "QuickStart",
            dependencies: [
                "LambdaOtelLite",
                .product(name: "AWSLambdaRuntime", package: "swift-aws-lambda-runtime"),
                .product(name: "AWSLambdaEvents", package: "swift-aws-lambda-events"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Examples/QuickStart"
        ),
        // The floor: the same kind of function with no telemetry (size check, benchmarks).
        .executableTarget(
            name: "BareLambda",
            dependencies: [
                .product(name: "AWSLambdaRuntime", package: "swift-aws-lambda-runtime"),
                .product(name: "AWSLambdaEvents", package: "swift-aws-lambda-events"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Examples/BareLambda"
        ),
        .executableTarget(
            name: "Demo",
            dependencies: [
                "LambdaOtelLite", "OtlpStdoutDecoding", "HelloLambdaHandler", "OtelHostTesting", "OtelEMFMetrics",
                "OtelLogEvents", .product(name: "Logging", package: "swift-log"),
                .product(name: "AWSLambdaRuntime", package: "swift-aws-lambda-runtime"),
            ],
            path: "Tools/Demo"
        ),
        .executableTarget(name: "Viewer", dependencies: ["LambdaOtelLite", "OtlpStdoutDecoding"], path: "Tools/Viewer"),
        .target(
            name: "EventFuzzing",
            dependencies: ["LambdaOtelLite", "OtelHostTesting", "HelloLambdaHandler"],
            path: "Tools/EventFuzzing"
        ),
        .executableTarget(name: "Fuzz", dependencies: ["EventFuzzing"], path: "Tools/Fuzz"),
        .executableTarget(
            name: "Soak",
            dependencies: [
                "LambdaOtelLite", "OtelHostTesting",
                .product(name: "AWSLambdaRuntime", package: "swift-aws-lambda-runtime"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tools/Soak"
        ),
        .executableTarget(
            name: "EMFConformanceWriter",
            dependencies: [
                "LambdaOtelLite", "OtelEMFMetrics", "OtelHostTesting",
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Tools/EMFConformanceWriter"
        ),
        .executableTarget(
            name: "ConformanceWriter",
            dependencies: ["LambdaOtelLite"],
            path: "Tools/ConformanceWriter"
        ),

        .testTarget(
            name: "OtelHostTests",
            dependencies: ["OtelHost", "OtelHostTesting", .product(name: "InMemoryLogging", package: "swift-log")]
        ),
        .testTarget(name: "OtelApiGatewayTests", dependencies: ["OtelApiGateway", "OtelHostTesting", "PluginTestSupport"]),
        .testTarget(name: "OtelALBTests", dependencies: ["OtelALB", "OtelHostTesting"]),
        .testTarget(
            name: "OtelStdoutExporterTests",
            dependencies: ["OtelStdoutExporter", "OtlpStdoutDecoding", "OtelHostTesting"]
        ),
        .testTarget(
            name: "OtelEMFMetricsTests",
            dependencies: [
                "OtelEMFMetrics", "OtelHostTesting", .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "OtelLogEventsTests",
            dependencies: ["OtelLogEvents", "OtelHostTesting", .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log")]
        ),
        .testTarget(name: "OtlpStdoutDecodingTests", dependencies: ["OtlpStdoutDecoding", "OtelStdoutExporter"]),
        // The event-source plugin tests run events through telemetry and decode the exporter's lines; the one
        // harness that drives an invocation lives in PluginTestSupport.
        .target(
            name: "PluginTestSupport",
            dependencies: ["OtelHost", "OtelHostTesting", "OtelStdoutExporter", "OtlpStdoutDecoding"],
            path: "Tests/PluginTestSupport"
        ),
        .testTarget(name: "OtelSQSTests", dependencies: ["OtelSQS", "PluginTestSupport"]),
        .testTarget(name: "OtelSNSTests", dependencies: ["OtelSNS", "PluginTestSupport"]),
        .testTarget(name: "OtelEventBridgeTests", dependencies: ["OtelEventBridge", "PluginTestSupport"]),
        .testTarget(name: "OtelS3Tests", dependencies: ["OtelS3", "PluginTestSupport"]),
        .testTarget(name: "OtelDynamoDBTests", dependencies: ["OtelDynamoDB", "PluginTestSupport"]),
        .testTarget(name: "OtelKinesisTests", dependencies: ["OtelKinesis", "PluginTestSupport"]),
        .testTarget(
            name: "LambdaOtelLiteTests",
            dependencies: [
                "LambdaOtelLite", "OtlpStdoutDecoding", "OtelHostTesting", "HelloLambdaHandler", "EventFuzzing",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "AWSLambdaRuntime", package: "swift-aws-lambda-runtime"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AWSLambdaEvents", package: "swift-aws-lambda-events"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings += [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableExperimentalFeature("StrictConcurrency=complete"),
    ]
    target.swiftSettings = settings
}
