// swift-tools-version:6.1
import PackageDescription

// The benchmarks live in their own package so the library's users never build the benchmark framework.
let package = Package(
    name: "LambdaOtelLiteBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-lambda-otel-lite", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/awslabs/swift-aws-lambda-runtime.git", from: "2.9.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        // zlib on its own, for the floor: what any implementation pays to gzip the same bytes.
        .systemLibrary(name: "CZlibFloor", path: "Sources/CZlibFloor", pkgConfig: "zlib"),
        .executableTarget(
            name: "LambdaOtelLiteBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LambdaOtelLite", package: "swift-lambda-otel-lite"),
                .product(name: "OtelHostTesting", package: "swift-lambda-otel-lite"),
                .product(name: "AWSLambdaRuntime", package: "swift-aws-lambda-runtime"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OtelEMFMetrics", package: "swift-lambda-otel-lite"),
                .product(name: "OtelLogEvents", package: "swift-lambda-otel-lite"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                "CZlibFloor",
            ],
            path: "Benchmarks/LambdaOtelLiteBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
