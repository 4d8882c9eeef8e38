/// One invocation as it passes through the middleware chain: the decoded event, its raw bytes and its context.
public struct InvocationRequest<Event: Sendable>: Sendable {
    /// The decoded event.
    public var event: Event
    /// The event exactly as the Runtime API delivered it.
    public var rawEvent: [UInt8]
    /// What the Runtime API says about the invocation.
    public var context: InvocationContext

    /// Creates a request.
    public init(event: Event, rawEvent: [UInt8], context: InvocationContext) {
        self.event = event
        self.rawEvent = rawEvent
        self.context = context
    }
}

/// A step around the handler, in the Hummingbird style: it may act before and after calling `next`.
///
/// The tracing middleware is one; your own (authentication, metrics, logging) compose with it in
/// ``InvocationMiddlewareChain``.
public protocol InvocationMiddleware<Event, Output>: Sendable {
    /// The event type.
    associatedtype Event: Sendable
    /// The output type.
    associatedtype Output: Sendable

    /// Handles an invocation, calling `next` for the rest of the chain.
    func handle(
        _ request: InvocationRequest<Event>,
        next: (InvocationRequest<Event>) async throws -> Output
    ) async throws -> Output
}

/// A middleware backed by a closure.
public struct ClosureMiddleware<Event: Sendable, Output: Sendable>: InvocationMiddleware {
    private let body: @Sendable (InvocationRequest<Event>, (InvocationRequest<Event>) async throws -> Output) async throws -> Output

    /// Creates a middleware from a closure.
    public init(
        _ body: @escaping @Sendable (InvocationRequest<Event>, (InvocationRequest<Event>) async throws -> Output) async throws -> Output
    ) {
        self.body = body
    }

    /// Runs the closure.
    public func handle(
        _ request: InvocationRequest<Event>,
        next: (InvocationRequest<Event>) async throws -> Output
    ) async throws -> Output {
        try await body(request, next)
    }
}

/// Middlewares in order, the first outermost, around a handler.
public struct InvocationMiddlewareChain<Event: Sendable, Output: Sendable>: Sendable {
    /// The middlewares, outermost first.
    public var middlewares: [any InvocationMiddleware<Event, Output>]

    /// Creates a chain.
    public init(_ middlewares: [any InvocationMiddleware<Event, Output>] = []) {
        self.middlewares = middlewares
    }

    /// Runs the chain around `handler`.
    public func run(
        _ request: InvocationRequest<Event>,
        handler: @Sendable (Event, InvocationContext) async throws -> Output
    ) async throws -> Output {
        try await step(0, request, handler)
    }

    private func step(
        _ index: Int,
        _ request: InvocationRequest<Event>,
        _ handler: @Sendable (Event, InvocationContext) async throws -> Output
    ) async throws -> Output {
        guard index < middlewares.count else { return try await handler(request.event, request.context) }
        return try await middlewares[index].handle(request) { next in try await step(index + 1, next, handler) }
    }
}
