import AWSLambdaEvents
import FoundationEssentials
import AWSLambdaRuntime
import HelloLambdaHandler
import LambdaOtelLite
import NIOConcurrencyHelpers
import NIOCore
import OtelHostTesting
import Tracing

#if canImport(Glibc)
import Glibc
#endif

/// swift-aws-lambda-runtime allows one runtime per process and reads `AWS_LAMBDA_RUNTIME_API` from the process
/// environment: in-process functions take turns.
actor RuntimeTurns {
    static let shared = RuntimeTurns()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// A traced function on the real swift-aws-lambda-runtime, in this process, against the local emulator over HTTP.
struct LocalLambda {
    let server: LocalLambdaServer
    let telemetry: LambdaTelemetry
    let exporter: InMemorySpanExporter
    let invoker: LocalInvoker
    let task: Task<Void, any Error>

    /// Starts an emulator on a free port, the telemetry (which registers its extension there in async and
    /// finalize modes), and the runtime with `handler` traced.
    static func start<Base: StreamingLambdaHandler>(
        environment extra: [String: String] = [:],
        configuration: OtelConfiguration = OtelConfiguration(),
        plugins: [any OtelPlugin] = [],
        quirks: LocalLambdaServer.Quirks = [],
        timeoutMs: UInt64 = 60_000,
        eventDelayMs: Int64 = 0,
        traced: Bool = true,
        managedInstances maxConcurrency: Int? = nil,
        handler: Base
    ) async throws -> LocalLambda where Base: Sendable {
        await RuntimeTurns.shared.acquire()
        let server = try await LocalLambdaServer.start(
            port: 0, functionName: "test-fn", timeoutMs: timeoutMs, quirks: quirks,
            maxConcurrency: maxConcurrency ?? 1, extensionEventDelayMs: eventDelayMs)
        setenv("AWS_LAMBDA_RUNTIME_API", server.runtimeAPI, 1)
        setenv("AWS_LAMBDA_MAX_CONCURRENCY", String(maxConcurrency ?? 1), 1)
        let exporter = InMemorySpanExporter()
        var values = extra
        values["AWS_LAMBDA_RUNTIME_API"] = server.runtimeAPI
        values["AWS_LAMBDA_FUNCTION_NAME"] = values["AWS_LAMBDA_FUNCTION_NAME"] ?? "test-fn"
        if maxConcurrency != nil {
            values["AWS_LAMBDA_INITIALIZATION_TYPE"] = "lambda-managed-instances"
            values["AWS_LAMBDA_MAX_CONCURRENCY"] = String(maxConcurrency ?? 1)
        }
        let telemetry = await LambdaTelemetry.make(
            configuration: configuration,
            plugins: plugins + [InMemoryExporterPlugin(exporter: exporter)] + .defaults,
            environment: OtelEnvironment(values))
        let runRuntime: @Sendable () async throws -> Void
        if maxConcurrency != nil {
            let runtime = LambdaManagedRuntime(telemetry: telemetry, name: "test-handler", handler: handler)
            runRuntime = { try await runtime.run() }
        } else if traced {
            let runtime = LambdaRuntime(telemetry: telemetry, name: "test-handler", handler: handler)
            runRuntime = { try await runtime.run() }
        } else {
            let runtime = LambdaRuntime(handler: handler)
            runRuntime = { try await runtime.run() }
        }
        let task = Task {
            // An untraced handler's `withSpan` still reaches this telemetry's tracer.
            try await withTracer(telemetry.tracer) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await runRuntime() }
                    group.addTask { try await telemetry.run() }
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
        return LocalLambda(
            server: server, telemetry: telemetry, exporter: exporter, invoker: LocalInvoker(server: server), task: task)
    }

    /// The example function.
    static func start(
        environment extra: [String: String] = [:], quirks: LocalLambdaServer.Quirks = []
    ) async throws -> LocalLambda {
        try await start(environment: extra, quirks: quirks, handler: HelloStreamingHandler())
    }

    func invoke(_ json: String, headers: [(String, String)] = []) async throws -> (status: Int, body: String) {
        try await invoker.invoke(Array(json.utf8), headers: headers)
    }

    /// Stops in the background (for `defer`).
    func cancel() {
        Task { await stop() }
    }

    func stop() async {
        // The runtime stops first: its client must not see the emulator go away under it.
        task.cancel()
        _ = await task.result
        await server.shutdown()
        await RuntimeTurns.shared.release()
    }
}

/// The example handler, as the runtime's Codable adapter makes it.
typealias HelloStreamingHandler = LambdaCodableAdapter<
    LambdaHandlerAdapter<HelloEvent, APIGatewayV2Response, ClosureHandlerSendable<HelloEvent, APIGatewayV2Response>>,
    HelloEvent, APIGatewayV2Response, LambdaJSONEventDecoder, LambdaJSONOutputEncoder<APIGatewayV2Response>
>

extension HelloStreamingHandler {
    init() {
        self.init(
            encoder: LambdaJSONOutputEncoder(JSONEncoder()), decoder: LambdaJSONEventDecoder(JSONDecoder()),
            handler: LambdaHandlerAdapter(handler: ClosureHandlerSendable(body: HelloHandler.handle)))
    }
}

/// A handler over raw bytes: answers what `body` returns.
struct BytesHandler: StreamingLambdaHandler, Sendable {
    let body: @Sendable (ByteBuffer, LambdaContext) async throws -> [UInt8]

    func handle(
        _ event: ByteBuffer, responseWriter: some LambdaResponseStreamWriter, context: LambdaContext
    ) async throws {
        try await responseWriter.writeAndFinish(ByteBuffer(bytes: try await body(event, context)))
    }
}
