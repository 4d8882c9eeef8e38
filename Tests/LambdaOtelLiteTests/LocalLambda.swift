import HelloLambdaHandler
import LambdaOtelLite
import OtelHostTesting

/// A function running under a real local Lambda server, driven over HTTP.
struct LocalLambda {
    let server: LocalLambdaServer
    let telemetry: LambdaTelemetry
    let exporter: InMemorySpanExporter
    let invoker: LocalInvoker
    let runtime: Task<Void, any Error>

    /// Starts a server on a free port and the runtime against it.
    static func start(
        environment extra: [String: String] = [:],
        quirks: LocalLambdaServer.Quirks = [],
        runtimeAPI: ((LocalLambdaServer) -> String)? = nil,
        initialize: @escaping @Sendable () async throws -> Void = {},
        handler: @escaping @Sendable (HelloRequest, InvocationContext) async throws -> HelloResponse = HelloHandler.handle
    ) async throws -> LocalLambda {
        let server = try await LocalLambdaServer.start(port: 0, functionName: "test-fn", quirks: quirks)
        let exporter = InMemorySpanExporter()
        var values = extra
        values["AWS_LAMBDA_RUNTIME_API"] = runtimeAPI?(server) ?? server.runtimeAPI
        values["AWS_LAMBDA_FUNCTION_NAME"] = values["AWS_LAMBDA_FUNCTION_NAME"] ?? "test-fn"
        let environment = OtelEnvironment(values)
        let telemetry = await LambdaTelemetry.make(
            plugins: [InMemoryExporterPlugin(exporter: exporter)] + .defaults, environment: environment)
        let runtime = Task {
            try await withTracer(telemetry.tracer) {
                try await LambdaRuntime.run(
                    telemetry: telemetry, name: "test-handler", environment: environment, initialize: initialize,
                    handler: handler)
            }
        }
        return LocalLambda(
            server: server, telemetry: telemetry, exporter: exporter, invoker: LocalInvoker(server: server),
            runtime: runtime)
    }

    func invoke(_ json: String, headers: [(String, String)] = []) async throws -> (status: Int, body: String) {
        try await invoker.invoke(Array(json.utf8), headers: headers)
    }

    func stop() async {
        runtime.cancel()
        await server.shutdown()
        _ = await runtime.result
    }
}
