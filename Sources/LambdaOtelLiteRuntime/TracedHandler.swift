public import AWSLambdaRuntime
public import NIOCore
import Logging
public import OtelHost

/// Traces every invocation of a swift-aws-lambda-runtime handler.
///
/// It wraps any `StreamingLambdaHandler` — and so every `LambdaHandler`, `LambdaWithBackgroundProcessingHandler`
/// and closure, through the runtime's Codable adapters — and works with `LambdaRuntime` and `LambdaManagedRuntime`.
/// For each invocation it
/// 1. reads the span attributes from the event bytes the runtime hands over (one JSON parse, no copy);
/// 2. runs the handler inside the invocation span, with the telemetry's tracer bound, so `withSpan` anywhere in
///    the handler nests under it;
/// 3. reads the HTTP status (or the partial batch failures) from the bytes the handler writes;
/// 4. ends the span when the response is finished — before it leaves, in `sync` mode, the spans are exported —
///    and tells the processing mode when the handler returns, so spans made by background work after the
///    response are exported too.
///
/// The convenience initialisers on `LambdaRuntime` and `LambdaManagedRuntime` build one for you.
public struct TracedHandler<Base: StreamingLambdaHandler>: StreamingLambdaHandler {
    /// The telemetry.
    public let telemetry: LambdaTelemetry
    /// The span name when the event says nothing better (API Gateway and other extractors name their spans).
    public let name: String
    private var base: Base

    /// Wraps a handler.
    ///
    /// - Parameters:
    ///   - base: The handler.
    ///   - telemetry: The telemetry.
    ///   - name: The span name when the event says nothing better.
    public init(_ base: sending Base, telemetry: LambdaTelemetry, name: String = "lambda-invocation") {
        self.base = base
        self.telemetry = telemetry
        self.name = name
    }

    /// Handles one invocation inside its span.
    public mutating func handle(
        _ event: ByteBuffer,
        responseWriter: some LambdaResponseStreamWriter,
        context: LambdaContext
    ) async throws {
        let extracted = event.withUnsafeReadableBytes { telemetry.extract(rawEvent: $0) }
        let invocation = InvocationContext(context)
        try await telemetry.traceInvocation(invocation, extracted: extracted, defaultName: name) { scope in
            do {
                try await base.handle(
                    event, responseWriter: TracingResponseWriter(base: responseWriter, scope: scope), context: context)
            } catch {
                context.logger.error(
                    "invocation failed", metadata: ["requestID": "\(context.requestID)", "error": "\(error)"])
                throw error
            }
        }
    }
}

extension TracedHandler: Sendable where Base: Sendable {}

/// Passes the response through, reading its outcome and ending the span just before it leaves.
struct TracingResponseWriter<Base: LambdaResponseStreamWriter>: LambdaResponseStreamWriter {
    let base: Base
    let scope: InvocationScope

    func write(_ buffer: ByteBuffer, hasCustomHeaders: Bool) async throws {
        scope.recordResponse(buffer.readableBytesView)
        try await base.write(buffer, hasCustomHeaders: hasCustomHeaders)
    }

    func finish() async throws {
        await scope.responseWillBeSent()
        try await base.finish()
    }

    func writeAndFinish(_ buffer: ByteBuffer) async throws {
        scope.recordResponse(buffer.readableBytesView)
        await scope.responseWillBeSent()
        try await base.writeAndFinish(buffer)
    }
}

extension InvocationContext {
    /// The invocation as the runtime describes it.
    ///
    /// - Parameter context: The runtime's context of the invocation.
    public init(_ context: LambdaContext) {
        let deadline = context.deadline.millisecondsSinceEpoch()
        self.init(
            requestID: context.requestID,
            deadline: .lambdaDeadline(epochMilliseconds: UInt64(clamping: deadline)),
            invokedFunctionARN: context.invokedFunctionARN,
            traceHeader: context.traceID.isEmpty ? nil : context.traceID,
            tenantID: context.tenantID)
    }
}
