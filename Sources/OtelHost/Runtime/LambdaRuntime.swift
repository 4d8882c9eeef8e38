import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Lambda runtime: polls the Runtime API for invocations, runs the handler, and posts its response or error.
///
/// ```swift
/// let telemetry = await LambdaTelemetry.bootstrap(plugins: .defaults)
/// try await LambdaRuntime.run(telemetry: telemetry) { (event: Request, context: InvocationContext) in
///     Response(statusCode: 200, body: "hello")
/// }
/// ```
///
/// On AWS it talks to `AWS_LAMBDA_RUNTIME_API`; when that is unset it starts a ``LocalLambdaServer`` and serves
/// `POST http://127.0.0.1:7000/invoke`.
public enum LambdaRuntime {
    /// Runs a handler of raw event bytes.
    ///
    /// - Parameters:
    ///   - telemetry: The telemetry; each invocation is traced when it is given.
    ///   - name: The invocation span's name when the extractor gives none.
    ///   - middleware: Your middlewares, run inside the tracing middleware, outermost first.
    ///   - environment: The environment to read.
    ///   - initialize: Work to do before the first invocation; if it throws, the error is reported to the
    ///     Runtime API's init-error endpoint and `run` rethrows it.
    ///   - handler: The function.
    public static func run(
        telemetry: LambdaTelemetry? = nil,
        name: String = "lambda-invocation",
        middleware: [any InvocationMiddleware<[UInt8], [UInt8]>] = [],
        environment: OtelEnvironment = .process(),
        initialize: @Sendable () async throws -> Void = {},
        handler: @escaping @Sendable ([UInt8], InvocationContext) async throws -> [UInt8]
    ) async throws {
        let runner = Runner<[UInt8], [UInt8]>(
            telemetry: telemetry, name: name, middleware: middleware,
            decode: { $0 }, encode: { $0 }, handler: handler)
        try await runLoop(runner, environment: environment, initialize: initialize)
    }

    /// Runs a handler of `Decodable` events and `Encodable` outputs (JSON).
    ///
    /// - Parameters:
    ///   - telemetry: The telemetry; each invocation is traced when it is given.
    ///   - name: The invocation span's name when the extractor gives none.
    ///   - middleware: Your middlewares, run inside the tracing middleware, outermost first.
    ///   - environment: The environment to read.
    ///   - initialize: Work to do before the first invocation; if it throws, the error is reported to the
    ///     Runtime API's init-error endpoint and `run` rethrows it.
    ///   - handler: The function.
    public static func run<Event: Decodable & Sendable, Output: Encodable & Sendable>(
        telemetry: LambdaTelemetry? = nil,
        name: String = "lambda-invocation",
        middleware: [any InvocationMiddleware<Event, Output>] = [],
        environment: OtelEnvironment = .process(),
        initialize: @Sendable () async throws -> Void = {},
        handler: @escaping @Sendable (Event, InvocationContext) async throws -> Output
    ) async throws {
        let runner = Runner<Event, Output>(
            telemetry: telemetry, name: name, middleware: middleware,
            decode: { bytes in try JSONDecoder().decode(Event.self, from: Data(bytes)) },
            encode: { output in Array(try JSONEncoder().encode(output)) },
            handler: handler)
        try await runLoop(runner, environment: environment, initialize: initialize)
    }

    static func runLoop<Event, Output>(
        _ runner: Runner<Event, Output>,
        environment: OtelEnvironment,
        initialize: @Sendable () async throws -> Void
    ) async throws {
        ignoreSIGPIPE()
        var localServer: LocalLambdaServer?
        let address: RuntimeAPIAddress
        let runtimeAPI: String
        if let raw = environment.nonEmpty("AWS_LAMBDA_RUNTIME_API") {
            guard let parsed = RuntimeAPIAddress(parsing: raw) else {
                throw RuntimeAPIError("AWS_LAMBDA_RUNTIME_API=\"\(raw)\" is not host:port or http://host:port/prefix")
            }
            address = parsed
            runtimeAPI = raw
        } else {
            let server = try await LocalLambdaServer.start(environment: environment)
            localServer = server
            address = RuntimeAPIAddress(host: server.host, port: server.port)
            runtimeAPI = server.runtimeAPI
            Diagnostics.logger.info(
                "AWS_LAMBDA_RUNTIME_API is not set: local Lambda server at http://\(server.host):\(server.port)\(server.invocationEndpoint)")
        }
        defer { if let localServer { Task { await localServer.shutdown() } } }
        let client = RuntimeAPIClient(address: address)

        do {
            try await initialize()
        } catch {
            Diagnostics.error("initialisation failed: \(error)")
            try? await client.reportInitError(error)
            throw error
        }
        await runner.telemetry?.start(runtimeAPI: runtimeAPI)

        var failures = 0
        while !Task.isCancelled {
            let invocation: (InvocationContext, [UInt8])
            do {
                invocation = try await client.next()
                failures = 0
            } catch {
                if Task.isCancelled { return }
                failures += 1
                if failures == 1 || failures % 10 == 0 {
                    Diagnostics.error("Runtime API next failed (\(failures) in a row): \(error)")
                }
                if failures >= 50 { throw error }
                try? await Task.sleep(nanoseconds: UInt64(min(failures, 10)) * 100_000_000)
                continue
            }
            let (context, bytes) = invocation
            switch await runner.invoke(bytes, context: context) {
            case .success(let output):
                do {
                    try await client.respond(requestID: context.requestID, body: output)
                } catch {
                    Diagnostics.error("posting the response of \(context.requestID) failed: \(error)")
                }
            case .failure(let error):
                do {
                    try await client.reportError(requestID: context.requestID, error: error)
                } catch {
                    Diagnostics.error("posting the error of \(context.requestID) failed: \(error)")
                }
            }
        }
    }

    static func ignoreSIGPIPE() {
        // A closed stdout or a vanished reader must turn into a write error, not kill the function.
        signal(SIGPIPE, SIG_IGN)
    }
}

/// One handler with its codec and middleware chain.
struct Runner<Event: Sendable, Output: Sendable>: Sendable {
    let telemetry: LambdaTelemetry?
    let name: String
    let chain: InvocationMiddlewareChain<Event, Output>
    let decode: @Sendable ([UInt8]) throws -> Event
    let encode: @Sendable (Output) throws -> [UInt8]
    let handler: @Sendable (Event, InvocationContext) async throws -> Output

    init(
        telemetry: LambdaTelemetry?,
        name: String,
        middleware: [any InvocationMiddleware<Event, Output>],
        decode: @escaping @Sendable ([UInt8]) throws -> Event,
        encode: @escaping @Sendable (Output) throws -> [UInt8],
        handler: @escaping @Sendable (Event, InvocationContext) async throws -> Output
    ) {
        self.telemetry = telemetry
        self.name = name
        var all: [any InvocationMiddleware<Event, Output>] = []
        if let telemetry { all.append(OtelTracingMiddleware<Event, Output>(telemetry: telemetry, name: name)) }
        all.append(contentsOf: middleware)
        chain = InvocationMiddlewareChain(all)
        self.decode = decode
        self.encode = encode
        self.handler = handler
    }

    /// Decodes, runs the chain and encodes; an event that does not decode still gets its invocation span.
    func invoke(_ bytes: [UInt8], context: InvocationContext) async -> Result<[UInt8], any Error> {
        let event: Event
        do {
            event = try decode(bytes)
        } catch {
            if let telemetry {
                _ = try? await telemetry.withInvocationSpan(
                    telemetry.extract(rawEvent: bytes), context: context, defaultName: name
                ) { _ -> Int in throw error }
            }
            return .failure(error)
        }
        do {
            let output = try await chain.run(InvocationRequest(event: event, rawEvent: bytes, context: context), handler: handler)
            return .success(try encode(output))
        } catch {
            return .failure(error)
        }
    }
}
