import AWSLambdaRuntime
import LambdaOtelLite
import NIOConcurrencyHelpers
import NIOCore
import OtelHostTesting
import Testing
import Tracing

/// Lambda Managed Instances: `LambdaManagedRuntime` with several runtime workers against the emulator.
struct ManagedInstancesTests {
    static let workers = 8

    /// A distinct X-Ray trace header per invocation.
    static func xray(_ i: Int) -> (header: String, traceID: String, parent: String) {
        let trace = String(format6(i), radix: 16)
        let traceID = "5759e988" + String(repeating: "0", count: 24 - trace.count) + trace
        let parent = String(repeating: "0", count: 16 - trace.count) + trace
        return ("Root=1-5759e988-\(traceID.dropFirst(8));Parent=\(parent);Sampled=1", traceID, parent)
    }

    static func format6(_ i: Int) -> Int { 0xA0000 + i }

    @Test func concurrentInvocationsAreTracedIndependentlyAndExportedInTheBackground() async throws {
        let exporter = InMemorySpanExporter()
        let lambda = try await LocalLambda.start(
            environment: [ProcessingModeName.variable: "async", "LAMBDA_SPAN_PROCESSOR_EXPORT_INTERVAL_MS": "200"],
            configuration: OtelConfiguration(exporter: "memory"),
            plugins: [InMemoryExporterPlugin(exporter: exporter)],
            managedInstances: Self.workers,
            handler: BytesHandler { _, context in
                try await withSpan("work") { span in
                    span.attributes["request"] = context.requestID
                    try await Task.sleep(for: .milliseconds(20))
                }
                return Array(#"{"statusCode":200}"#.utf8)
            })
        defer { lambda.cancel() }
        #expect(lambda.telemetry.processingMode == .background)
        #expect(lambda.telemetry.settings.isManagedInstances)

        let count = 64
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<count {
                group.addTask {
                    let (header, _, _) = Self.xray(i)
                    let invoker = LocalInvoker(server: lambda.server)
                    return try await invoker.invoke(
                        Array("{}".utf8),
                        headers: [
                            ("X-Amzn-Trace-Id", header), ("X-Amz-Tenant-Id", "tenant-\(i)"),
                            ("Lambda-Runtime-Aws-Request-Id", "req-\(i)"),
                        ]).status
                }
            }
            var statuses: [Int] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
        let lastResponse = ContinuousClock.now
        #expect(statuses.count == count)
        #expect(statuses.allSatisfy { $0 == 200 })
        #expect(lambda.server.peakConcurrentInvocations > 1)

        // No invocation waits for telemetry: the background exporter (every 200 ms here) sends everything soon after
        // the last response — within a second on its own; the bound leaves room for a loaded machine and only
        // separates "exported in the background" from "never exported without a shutdown".
        let exported = await eventually(20) { exporter.spans.count >= 2 * count }
        #expect(exported, "\(exporter.spans.count) spans after \(ContinuousClock.now - lastResponse)")
        let spans = exporter.spans
        let roots = spans.filter { $0.kind == .server }
        #expect(roots.count == count)
        for i in 0..<count {
            let (_, traceID, parent) = Self.xray(i)
            let mine = roots.filter { $0.attributes.get("faas.invocation_id") == .string("req-\(i)") }
            #expect(mine.count == 1, "req-\(i)")
            guard let root = mine.first else { continue }
            #expect(root.context.traceID.description == traceID, "req-\(i)")
            #expect(root.parentSpanID?.description == parent, "req-\(i)")
            #expect(root.attributes.get("aws.lambda.tenant_id") == .string("tenant-\(i)"))
            let children = spans.filter { $0.name == "work" && $0.attributes.get("request") == .string("req-\(i)") }
            #expect(children.count == 1)
            #expect(children.first?.context.traceID == root.context.traceID)
            #expect(children.first?.parentSpanID == root.context.spanID)
        }
        #expect(roots.filter { $0.attributes.get("faas.coldstart") == .bool(true) }.count <= 1)
        // Managed Instances have no init span: the environment is not frozen and serves many invocations.
        #expect(!spans.contains { $0.name == "lambda-init" })
    }

    @Test func inSyncModeAnInvocationDoesNotWaitForItsNeighboursSlowExport() async throws {
        let exporter = GatedExporter(holding: "slow work", open: false)
        let plugin = ClosurePlugin { $0.registerExporter(named: "holding") { _ in exporter } }
        let lambda = try await LocalLambda.start(
            environment: [ProcessingModeName.variable: "sync"],
            configuration: OtelConfiguration(exporter: "holding"),
            plugins: [plugin],
            managedInstances: 4,
            handler: BytesHandler { event, _ in
                let slow = String(buffer: event).contains("slow")
                withSpan(slow ? "slow work" : "quick work") { _ in }
                return Array(#"{"statusCode":200}"#.utf8)
            })
        defer {
            exporter.open()
            lambda.cancel()
        }
        let order = NIOLockedValueBox<[String]>([])
        let slow = Task {
            let (status, _) = try await LocalInvoker(server: lambda.server).invoke(Array(#"{"slow":true}"#.utf8))
            order.withLockedValue { $0.append("slow") }
            return status
        }
        // The slow invocation's export is held; wait until it is.
        try await Task.sleep(for: .milliseconds(200))
        // Behind the held export, the quick invocation would not finish until the export is opened, after this
        // call: any finite bound catches that; 30 s leaves room for a loaded sanitizer run.
        let (quick, _) = try await LocalInvoker(server: lambda.server).invoke(Array("{}".utf8), timeoutMs: 30_000)
        order.withLockedValue { $0.append("quick") }
        #expect(quick == 200)
        exporter.open()
        #expect(try await slow.value == 200)
        #expect(order.withLockedValue { $0 } == ["quick", "slow"])
        #expect(exporter.spans.withLockedValue { $0.contains { $0.name == "quick work" } })
    }
}
