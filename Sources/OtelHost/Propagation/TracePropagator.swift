public import Instrumentation

/// Reads a parent span context from incoming headers and writes the current one into outgoing headers.
///
/// Propagators are registered by name (``PluginRegistry/registerPropagator(named:_:)``) and chosen with
/// `OTEL_PROPAGATORS` or the configuration. They read and write carriers through swift-distributed-tracing's
/// `Extractor` and `Injector`, the same way for an event's headers and for an instrumented client's request.
/// The built-in propagators ask for lower-case names. An invocation's carrier also answers
/// ``EventHeaders/lambdaTraceHeaderKey`` with the X-Ray header the Lambda runtime gave the invocation.
public protocol TracePropagator: Sendable {
    /// The parent context found in `carrier`, or `nil` when this propagator finds none that is valid.
    ///
    /// - Parameters:
    ///   - carrier: The incoming headers.
    ///   - extractor: Reads a header of the carrier by name.
    func extract<Extract: Extractor>(from carrier: Extract.Carrier, using extractor: Extract) -> OtelSpanContext?

    /// Writes `context` into `carrier`.
    ///
    /// - Parameters:
    ///   - context: The span context to propagate.
    ///   - carrier: The outgoing headers.
    ///   - injector: Writes a header into the carrier.
    func inject<Inject: Injector>(_ context: OtelSpanContext, into carrier: inout Inject.Carrier, using injector: Inject)
}

extension TracePropagator {
    /// The parent context found in an event's headers.
    package func extract(from headers: EventHeaders) -> OtelSpanContext? {
        extract(from: headers, using: EventHeaders.Reader())
    }

    /// Writes `context` into an event's headers.
    package func inject(_ context: OtelSpanContext, into headers: inout EventHeaders) {
        inject(context, into: &headers, using: EventHeaders.Writer())
    }
}

/// Several propagators as one: on extract the **last** that finds a valid context wins; inject writes all.
package struct CompositePropagator: TracePropagator {
    /// The members, in order.
    package let members: [any TracePropagator]

    /// Creates the composite.
    package init(_ members: [any TracePropagator]) {
        self.members = members
    }

    /// The context from the last member that finds a valid one.
    package func extract<Extract: Extractor>(from carrier: Extract.Carrier, using extractor: Extract) -> OtelSpanContext? {
        var found: OtelSpanContext?
        for member in members {
            if let context = member.extract(from: carrier, using: extractor), context.isValid { found = context }
        }
        return found
    }

    /// Every member writes its headers.
    package func inject<Inject: Injector>(
        _ context: OtelSpanContext, into carrier: inout Inject.Carrier, using injector: Inject
    ) {
        for member in members { member.inject(context, into: &carrier, using: injector) }
    }
}

/// Propagates nothing.
package struct NoOpPropagator: TracePropagator {
    /// Creates the propagator.
    package init() {}
    /// Finds nothing.
    package func extract<Extract: Extractor>(from carrier: Extract.Carrier, using extractor: Extract) -> OtelSpanContext? {
        nil
    }
    /// Writes nothing.
    package func inject<Inject: Injector>(
        _ context: OtelSpanContext, into carrier: inout Inject.Carrier, using injector: Inject
    ) {}
}
