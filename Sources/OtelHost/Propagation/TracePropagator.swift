/// Read access to a carrier of trace headers, with case-insensitive names.
public protocol HeaderLookup {
    /// The value of a header, whatever the case of its name; `nil` when absent.
    func value(forHeader name: String) -> String?

    /// The X-Ray trace header that the Lambda runtime gave this invocation (`Lambda-Runtime-Trace-Id`), if any.
    var lambdaTraceHeader: String? { get }
}

extension HeaderLookup {
    /// No Lambda trace header.
    public var lambdaTraceHeader: String? { nil }
}

/// Write access to a carrier of trace headers.
public protocol HeaderSink {
    /// Sets a header.
    mutating func setValue(_ value: String, forHeader name: String)
}

/// Reads a parent span context from incoming headers and writes the current one into outgoing headers.
///
/// Propagators are registered by name (``PluginRegistry/registerPropagator(named:_:)``) and chosen with
/// `OTEL_PROPAGATORS` or the configuration.
public protocol TracePropagator: Sendable {
    /// The parent context found in `carrier`, or `nil` when this propagator finds none that is valid.
    func extract<Carrier: HeaderLookup>(from carrier: Carrier) -> OtelSpanContext?

    /// Writes `context` into `carrier`.
    func inject<Carrier: HeaderSink>(_ context: OtelSpanContext, into carrier: inout Carrier)
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
    package func extract<Carrier: HeaderLookup>(from carrier: Carrier) -> OtelSpanContext? {
        var found: OtelSpanContext?
        for member in members {
            if let context = member.extract(from: carrier), context.isValid { found = context }
        }
        return found
    }

    /// Every member writes its headers.
    package func inject<Carrier: HeaderSink>(_ context: OtelSpanContext, into carrier: inout Carrier) {
        for member in members { member.inject(context, into: &carrier) }
    }
}

/// Propagates nothing.
package struct NoOpPropagator: TracePropagator {
    /// Creates the propagator.
    package init() {}
    /// Finds nothing.
    package func extract<Carrier: HeaderLookup>(from carrier: Carrier) -> OtelSpanContext? { nil }
    /// Writes nothing.
    package func inject<Carrier: HeaderSink>(_ context: OtelSpanContext, into carrier: inout Carrier) {}
}
