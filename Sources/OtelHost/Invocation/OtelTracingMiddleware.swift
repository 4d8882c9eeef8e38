import Instrumentation
import Tracing

/// Adopted by outputs that carry an HTTP status, so the invocation span records it without reflection.
public protocol HTTPStatusReporting {
    /// The HTTP status code of the response, if it has one.
    var httpStatusCode: Int? { get }
}

/// The invocation span: one SERVER span (or the kind the extractor says) per invocation.
///
/// For each invocation the middleware
/// 1. finds the span attributes: from the event itself when it adopts ``SpanAttributesExtractable``, else from
///    the first registered extractor that recognises the event's JSON (parsed once), else the default extractor;
/// 2. reads the parent context from the carrier with the registered propagators;
/// 3. starts the span with `faas.invocation_id`, `faas.coldstart`, `faas.trigger`, `cloud.resource_id` and
///    `cloud.account.id`, and makes it the current span while the handler runs, so `withSpan` anywhere nests
///    under it;
/// 4. records the response's HTTP status (≥ 500 is an error) or the thrown error (an `exception` event);
/// 5. ends the span and signals the completion handler, on every path.
public struct OtelTracingMiddleware<Event: Sendable, Output: Sendable>: InvocationMiddleware {
    /// The telemetry.
    public let telemetry: LambdaTelemetry
    /// The span name when the extractor gives none.
    public let name: String

    /// Creates the middleware.
    ///
    /// - Parameters:
    ///   - telemetry: The telemetry.
    ///   - name: The span name when the extractor gives none (the original crate's default `lambda-invocation`).
    public init(telemetry: LambdaTelemetry, name: String = "lambda-invocation") {
        self.telemetry = telemetry
        self.name = name
    }

    /// Traces the invocation around `next`.
    public func handle(
        _ request: InvocationRequest<Event>,
        next: (InvocationRequest<Event>) async throws -> Output
    ) async throws -> Output {
        let extracted: ExtractedSpan
        if let typed = request.event as? any SpanAttributesExtractable {
            extracted = typed.extractSpanAttributes()
        } else {
            extracted = telemetry.extract(rawEvent: request.rawEvent)
        }
        return try await telemetry.withInvocationSpan(extracted, context: request.context, defaultName: name) { _ in
            try await next(request)
        }
    }
}

extension LambdaTelemetry {
    /// Finds the span attributes of a raw event: the event is parsed once, and the first registered extractor
    /// that recognises it extracts from that parse; an event that is not JSON, or that no extractor recognises,
    /// gets the default extractor's result.
    public func extract(rawEvent: [UInt8]) -> ExtractedSpan {
        guard let event = try? JSONValue(parsing: rawEvent) else {
            return ExtractedSpan(trigger: .other)
        }
        for extractor in registry.extractors where extractor.matches(event) {
            return extractor.extract(event)
        }
        return DefaultEventExtractor().extract(event)
    }

    /// Runs `body` inside an invocation span built from `extracted`; the building block of the tracing
    /// middleware, for runtimes other than this package's.
    ///
    /// - Parameters:
    ///   - extracted: The span attributes, name, kind, links and carrier.
    ///   - context: The invocation.
    ///   - defaultName: The span name when `extracted` has none.
    ///   - body: The handler; it runs with the span as the current span.
    /// - Returns: What `body` returns.
    public func withInvocationSpan<Output: Sendable>(
        _ extracted: ExtractedSpan,
        context: InvocationContext,
        defaultName: String = "lambda-invocation",
        _ body: (OtelSpan) async throws -> Output
    ) async throws -> Output {
        var carrier = extracted.carrier ?? EventHeaders()
        carrier.lambdaTraceHeader = context.traceHeader
        var parentContext = InstrumentationContext.current ?? .topLevel
        if let parent = tracer.propagator.extract(from: carrier) {
            parentContext.otelSpanContext = parent
        }
        let span = tracer.startSpan(extracted.spanName ?? defaultName, context: parentContext, ofKind: extracted.kind)
        span.isInvocationSpan = true
        if span.isRecording {
            let coldStart = consumeColdStart()
            span.attributes.merge(extracted.attributes)
            span.attributes.set("faas.invocation_id", value: .string(context.requestID))
            span.attributes.set("faas.coldstart", value: .bool(coldStart))
            span.attributes.set("faas.trigger", value: .string(extracted.trigger.rawValue))
            if !context.invokedFunctionARN.isEmpty {
                span.attributes.set("cloud.resource_id", value: .string(context.invokedFunctionARN))
                if let account = context.accountID {
                    span.attributes.set("cloud.account.id", value: .string(account))
                }
            }
            for link in extracted.links { span.addLink(link) }
        } else {
            _ = consumeColdStart()
        }
        let output: Output
        do {
            output = try await InstrumentationContext.$current.withValue(span.context) {
                try await body(span)
            }
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error, message: String(describing: error)))
            span.end()
            await completionHandler.complete(context)
            throw error
        }
        if span.isRecording, let code = HTTPStatus.code(of: output) {
            span.attributes.set("http.response.status_code", value: .int64(Int64(code)))
            span.attributes.set("http.status_code", value: .int64(Int64(code)))
            if code >= 500 {
                span.setStatus(SpanStatus(code: .error, message: "HTTP \(code) response"))
            } else {
                span.setStatus(SpanStatus(code: .ok))
            }
        }
        span.end()
        await completionHandler.complete(context)
        return output
    }
}

/// Finds the HTTP status of a handler's output.
enum HTTPStatus {
    static func code(of output: some Any) -> Int? {
        if let reporting = output as? any HTTPStatusReporting { return reporting.httpStatusCode }
        if let json = output as? JSONValue { return json["statusCode"]?.intValue }
        if let bytes = output as? [UInt8] { return code(json: bytes) }
        if let text = output as? String { return code(json: Array(text.utf8)) }
        if let object = output as? JSONObject { return object["statusCode"]?.intValue }
        // A struct or class output with a numeric `statusCode` property (the shape of the API Gateway and ALB
        // response types).
        for child in Mirror(reflecting: output).children where child.label == "statusCode" {
            switch child.value {
            case let v as Int: return v
            case let v as Int32: return Int(v)
            case let v as Int64: return Int(v)
            case let v as UInt16: return Int(v)
            case let v as UInt: return Int(v)
            case let v as (any HTTPStatusReporting): return v.httpStatusCode
            default: return nil
            }
        }
        return nil
    }

    /// The numeric top-level `statusCode` of a JSON object; the output is only parsed when it could have one.
    static func code(json bytes: [UInt8]) -> Int? {
        guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
            first == UInt8(ascii: "{"), bytes.count < 8 * 1024 * 1024,
            containsStatusCodeKey(bytes)
        else { return nil }
        return (try? JSONValue(parsing: bytes))?["statusCode"]?.intValue
    }

    private static let key = Array("\"statusCode\"".utf8)

    private static func containsStatusCodeKey(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= key.count else { return false }
        var i = 0
        let last = bytes.count - key.count
        while i <= last {
            if bytes[i] == key[0] && bytes[i + 1] == key[1] {
                var match = true
                for j in 2..<key.count where bytes[i + j] != key[j] {
                    match = false
                    break
                }
                if match { return true }
            }
            i += 1
        }
        return false
    }
}
