public import AWSLambdaRuntime
public import Logging
public import OtelHost

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import class Foundation.JSONDecoder
public import class Foundation.JSONEncoder
#endif

extension LambdaRuntime {
    /// A runtime whose every invocation of `handler` is traced.
    ///
    /// - Parameters:
    ///   - telemetry: The telemetry.
    ///   - name: The span name when the event says nothing better.
    ///   - logger: The runtime's logger.
    ///   - handler: The handler.
    public convenience init<Base: StreamingLambdaHandler>(
        telemetry: LambdaTelemetry,
        name: String = "lambda-invocation",
        logger: Logger = Logger(label: "LambdaRuntime"),
        handler: sending Base
    ) where Handler == TracedHandler<Base> {
        self.init(handler: TracedHandler(handler, telemetry: telemetry, name: name), logger: logger)
    }

    /// A runtime whose every invocation of a Codable closure is traced.
    ///
    /// - Parameters:
    ///   - telemetry: The telemetry.
    ///   - name: The span name when the event says nothing better.
    ///   - decoder: Decodes the event.
    ///   - encoder: Encodes the output.
    ///   - logger: The runtime's logger.
    ///   - body: The handler.
    public convenience init<Event: Decodable, Output: Encodable>(
        telemetry: LambdaTelemetry,
        name: String = "lambda-invocation",
        decoder: JSONDecoder = JSONDecoder(),
        encoder: JSONEncoder = JSONEncoder(),
        logger: Logger = Logger(label: "LambdaRuntime"),
        body: sending @escaping (Event, LambdaContext) async throws -> Output
    )
    where
        Handler == TracedHandler<
            LambdaCodableAdapter<
                LambdaHandlerAdapter<Event, Output, ClosureHandler<Event, Output>>,
                Event, Output, LambdaJSONEventDecoder, LambdaJSONOutputEncoder<Output>
            >
        >
    {
        let adapter = LambdaCodableAdapter(
            encoder: encoder, decoder: decoder, handler: LambdaHandlerAdapter(handler: ClosureHandler(body: body)))
        self.init(handler: TracedHandler(adapter, telemetry: telemetry, name: name), logger: logger)
    }

    /// A runtime whose every invocation of a Codable closure without output is traced.
    ///
    /// - Parameters:
    ///   - telemetry: The telemetry.
    ///   - name: The span name when the event says nothing better.
    ///   - decoder: Decodes the event.
    ///   - logger: The runtime's logger.
    ///   - body: The handler.
    public convenience init<Event: Decodable>(
        telemetry: LambdaTelemetry,
        name: String = "lambda-invocation",
        decoder: JSONDecoder = JSONDecoder(),
        logger: Logger = Logger(label: "LambdaRuntime"),
        body: sending @escaping (Event, LambdaContext) async throws -> Void
    )
    where
        Handler == TracedHandler<
            LambdaCodableAdapter<
                LambdaHandlerAdapter<Event, Void, ClosureHandler<Event, Void>>,
                Event, Void, LambdaJSONEventDecoder, VoidEncoder
            >
        >
    {
        let adapter = LambdaCodableAdapter(
            decoder: LambdaJSONEventDecoder(decoder), handler: LambdaHandlerAdapter(handler: ClosureHandler(body: body)))
        self.init(handler: TracedHandler(adapter, telemetry: telemetry, name: name), logger: logger)
    }
}

extension LambdaManagedRuntime {
    /// A Managed Instances runtime whose every invocation of `handler` is traced; invocations run concurrently.
    ///
    /// - Parameters:
    ///   - telemetry: The telemetry.
    ///   - name: The span name when the event says nothing better.
    ///   - logger: The runtime's logger.
    ///   - handler: The handler.
    public convenience init<Base: StreamingLambdaHandler & Sendable>(
        telemetry: LambdaTelemetry,
        name: String = "lambda-invocation",
        logger: Logger = Logger(label: "LambdaManagedRuntime"),
        handler: Base
    ) where Handler == TracedHandler<Base> {
        self.init(handler: TracedHandler(handler, telemetry: telemetry, name: name), logger: logger)
    }

    /// A Managed Instances runtime whose every invocation of a Codable closure is traced.
    ///
    /// - Parameters:
    ///   - telemetry: The telemetry.
    ///   - name: The span name when the event says nothing better.
    ///   - decoder: Decodes the event.
    ///   - encoder: Encodes the output.
    ///   - logger: The runtime's logger.
    ///   - body: The handler; several invocations may run at once.
    public convenience init<Event: Decodable, Output: Encodable>(
        telemetry: LambdaTelemetry,
        name: String = "lambda-invocation",
        decoder: JSONDecoder = JSONDecoder(),
        encoder: JSONEncoder = JSONEncoder(),
        logger: Logger = Logger(label: "LambdaManagedRuntime"),
        body: @Sendable @escaping (Event, LambdaContext) async throws -> Output
    )
    where
        Handler == TracedHandler<
            LambdaCodableAdapter<
                LambdaHandlerAdapter<Event, Output, ClosureHandlerSendable<Event, Output>>,
                Event, Output, LambdaJSONEventDecoder, LambdaJSONOutputEncoder<Output>
            >
        >
    {
        let adapter = LambdaCodableAdapter(
            encoder: encoder, decoder: decoder,
            handler: LambdaHandlerAdapter(handler: ClosureHandlerSendable(body: body)))
        self.init(handler: TracedHandler(adapter, telemetry: telemetry, name: name), logger: logger)
    }
}
