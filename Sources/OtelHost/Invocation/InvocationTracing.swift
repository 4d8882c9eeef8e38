import Instrumentation
import NIOConcurrencyHelpers
import Tracing
import W3CTraceContext

extension LambdaTelemetry {
    /// Finds the span attributes of a raw event: the event is parsed once, and the first registered extractor
    /// that recognises it extracts from that parse; an event that is not JSON, or that no extractor recognises,
    /// gets the default extractor's result.
    ///
    /// - Parameter rawEvent: The event bytes as the runtime delivered them.
    /// - Returns: The invocation span's name, kind, attributes, links, trigger and carrier.
    public func extract(rawEvent: some Collection<UInt8>) -> ExtractedSpan {
        guard let event = EventValue(parsing: rawEvent) else {
            Diagnostics.debug("event is not JSON; using the default extractor")
            return ExtractedSpan(trigger: .other)
        }
        return ExtractedSpan.$linkLimit.withValue(tracer.pipeline.limits.linkCountLimit) {
            for extractor in registry.extractors where extractor.matches(event) {
                Diagnostics.debug("extractor \(extractor.name) recognised the event")
                return extractor.extract(event)
            }
            return DefaultEventExtractor().extract(event)
        }
    }

    /// Runs `body` inside the invocation span and records its outcome.
    ///
    /// The span is built from `extracted` (``extract(rawEvent:)``): its parent comes from the extracted carrier and
    /// the invocation's own trace header, it carries `faas.invocation_id`, `faas.coldstart`, `faas.trigger`,
    /// `cloud.resource_id`, `cloud.account.id` and, for a tenant, `aws.lambda.tenant_id`. While `body` runs the span
    /// is the current span and this telemetry's tracer is the one `withSpan` finds, so every child nests under it.
    ///
    /// Pass the response bytes to ``InvocationScope/recordResponse(_:)`` (the HTTP status and partial batch
    /// failures are read from them) and call ``InvocationScope/responseWillBeSent()`` just before the response
    /// leaves; both are optional. A thrown error marks the span as failed with an `exception` event. The span ends
    /// at the response or when `body` returns, whichever is first; the processing mode is told when `body` returns.
    ///
    /// - Parameters:
    ///   - invocation: The invocation, as the runtime describes it.
    ///   - extracted: What the event says about the span.
    ///   - defaultName: The span name when `extracted` has none.
    ///   - body: The handler.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public func traceInvocation<Output>(
        _ invocation: InvocationContext,
        extracted: ExtractedSpan,
        defaultName: String = "lambda-invocation",
        _ body: (InvocationScope) async throws -> Output
    ) async throws -> Output {
        try await Diagnostics.withLogger(logger) {
            try await traceInScope(invocation, extracted: extracted, defaultName: defaultName, body)
        }
    }

    private func traceInScope<Output>(
        _ invocation: InvocationContext,
        extracted: ExtractedSpan,
        defaultName: String,
        _ body: (InvocationScope) async throws -> Output
    ) async throws -> Output {
        let span = startInvocationSpan(invocation, extracted: extracted, defaultName: defaultName)
        let scope = InvocationScope(span: span, invocation: invocation, completion: completion)
        let output: Output
        do {
            output = try await withTracer(tracer) {
                try await InstrumentationContext.$current.withValue(span.context) {
                    try await body(scope)
                }
            }
        } catch {
            scope.fail(error)
            await scope.finish()
            throw error
        }
        await scope.finish()
        return output
    }

    private func startInvocationSpan(
        _ invocation: InvocationContext, extracted: ExtractedSpan, defaultName: String
    ) -> OtelSpan {
        var carrier = extracted.carrier ?? EventHeaders()
        carrier.lambdaTraceHeader = invocation.traceHeader
        var parentContext = InstrumentationContext.current ?? .topLevel
        if let parent = tracer.propagator.extract(from: carrier) {
            parentContext.otelSpanContext = parent
            Diagnostics.debug("invocation \(invocation.requestID): parent \(parent.traceID)/\(parent.spanID)")
        } else {
            Diagnostics.debug("invocation \(invocation.requestID): no parent context; a new trace")
        }
        let span = tracer.startSpan(extracted.spanName ?? defaultName, context: parentContext, ofKind: extracted.kind)
        let coldStart = consumeColdStart()
        if coldStart {
            var duration: Int64?
            if let initTiming {
                let end = initTiming.readyNanos ?? span.startTimeUnixNano
                if end > initTiming.startNanos { duration = Int64(end - initTiming.startNanos) }
            }
            TelemetryStatistics.process.recordColdStart(initDurationNanos: duration)
        }
        guard span.isRecording else { return span }
        // A full queue drops child spans before this one.
        span.isInvocationSpan = true
        extracted.attributes.forEach { key, value in span.setAttribute(key, value) }
        span.setAttribute("faas.invocation_id", .string(invocation.requestID))
        span.setAttribute("faas.coldstart", .bool(coldStart))
        span.setAttribute("faas.trigger", .string(extracted.trigger.rawValue))
        if !invocation.invokedFunctionARN.isEmpty {
            span.setAttribute("cloud.resource_id", .string(invocation.invokedFunctionARN))
            if let account = invocation.accountID {
                span.setAttribute("cloud.account.id", .string(account))
            }
        }
        if let tenant = invocation.tenantID, !tenant.isEmpty {
            span.setAttribute("aws.lambda.tenant_id", .string(tenant))
        }
        for link in extracted.builtLinks { span.addLink(link) }
        span.addPreparedLinks(extracted.preparedLinks)
        // Links the extractor left out beyond the span's link limit are counted, as the span counts its own.
        span.countDroppedLinks(extracted.droppedLinkCount)
        if coldStart, let initTiming { recordInitSpan(initTiming, under: span) }
        return span
    }

    /// The cold-start init span: a child of the first invocation's span, from the start of the process to the
    /// moment the function was ready for its first invocation.
    private func recordInitSpan(_ timing: InitTiming, under invocation: OtelSpan) {
        let end = timing.readyNanos ?? invocation.startTimeUnixNano
        guard end > timing.startNanos else { return }
        let span = tracer.startSpan(
            "lambda-init", context: invocation.context, ofKind: .internal, at: EpochInstant(nanosecondsSinceEpoch: timing.startNanos))
        span.updateAttributes { attributes in
            attributes.set("faas.coldstart", value: .bool(true))
            attributes.set(
                "lambda_otel_lite.init.duration_ms", value: .double(Double(end - timing.startNanos) / 1_000_000))
            attributes.set(
                "lambda_otel_lite.init.start", value: .string(timing.startsAtProcessStart ? "process" : "bootstrap"))
        }
        span.end(at: EpochInstant(nanosecondsSinceEpoch: end))
    }
}

/// One traced invocation: its span, and the hooks a runtime adapter calls around the response.
public final class InvocationScope: Sendable {
    private struct State {
        var responseRecorded = false
        var ended = false
        var responseSent = false
    }

    /// The invocation span.
    public let span: OtelSpan
    /// The invocation.
    public let invocation: InvocationContext
    private let completion: any InvocationCompletion
    private let state = NIOLockedValueBox(State())

    init(span: OtelSpan, invocation: InvocationContext, completion: any InvocationCompletion) {
        self.span = span
        self.invocation = invocation
        self.completion = completion
    }

    /// Reads the outcome from the response bytes: the HTTP status of an API Gateway, ALB or Function URL response
    /// (`http.response.status_code`; 5xx marks the span as failed) and the count of a partial batch response
    /// (`aws.lambda.batch_item_failures`; the span fails only when every record failed). Only the first call counts.
    ///
    /// - Parameter bytes: The response, or its first part when it is streamed.
    public func recordResponse(_ bytes: some Collection<UInt8>) {
        let first = state.withLockedValue { state in
            defer { state.responseRecorded = true }
            return !state.responseRecorded && !state.ended
        }
        guard first, span.isRecording else { return }
        ResponseOutcome.record(bytes, on: span)
    }

    /// Ends the span and lets the processing mode act before the response leaves (`sync` exports here).
    public func responseWillBeSent() async {
        let first = state.withLockedValue { state in
            defer { state.responseSent = true }
            return !state.responseSent
        }
        guard first else { return }
        endSpan()
        await completion.responseWillBeSent(invocation)
    }

    func fail(_ error: any Error) {
        let open = state.withLockedValue { !$0.ended }
        guard open else {
            Diagnostics.debug("invocation \(invocation.requestID) failed after its response: \(error)")
            return
        }
        span.recordError(error)
        span.setStatus(SpanStatus(code: .error, message: String(describing: error)))
    }

    func finish() async {
        endSpan()
        await completion.invocationDidEnd(invocation)
    }

    private func endSpan() {
        let first = state.withLockedValue { state in
            defer { state.ended = true }
            return !state.ended
        }
        if first { span.end() }
    }
}

/// Reads the outcome of an invocation from its response bytes.
enum ResponseOutcome {
    private static let statusKey = Array("\"statusCode\"".utf8)
    private static let batchKey = Array("\"batchItemFailures\"".utf8)

    static func record(_ bytes: some Collection<UInt8>, on span: OtelSpan) {
        guard let json = parseIfRelevant(bytes) else { return }
        if let code = json["statusCode"]?.intValue {
            span.setAttribute("http.response.status_code", .int64(Int64(code)))
            span.setAttribute("http.status_code", .int64(Int64(code)))
            if code >= 500 {
                span.setStatus(SpanStatus(code: .error, message: "HTTP \(code) response"))
            } else {
                span.setStatus(SpanStatus(code: .ok))
            }
        }
        if let failures = json["batchItemFailures"]?.arrayValue {
            var records: Int64?
            span.updateAttributes { attributes in
                attributes.set("aws.lambda.batch_item_failures", value: .int64(Int64(failures.count)))
                if case .int64(let count)? = attributes.get("messaging.batch.message_count") { records = count }
                if case .int32(let count)? = attributes.get("messaging.batch.message_count") { records = Int64(count) }
            }
            if let records, records > 0, failures.count >= records {
                span.setStatus(SpanStatus(code: .error, message: "every record of the batch failed"))
            }
        }
    }

    /// The response as JSON when it is an object that names one of the keys read; `nil` otherwise, without a
    /// parse. A streamed response's prelude ends at the first NUL byte.
    static func parseIfRelevant(_ bytes: some Collection<UInt8>) -> JSONValue? {
        guard bytes.count < 8 * 1024 * 1024,
            let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
            first == UInt8(ascii: "{")
        else { return nil }
        let prelude = bytes.prefix { $0 != 0 }
        guard contains(prelude, statusKey) || contains(prelude, batchKey) else { return nil }
        return try? JSONValue(parsing: prelude)
    }

    private static func contains(_ bytes: some Collection<UInt8>, _ key: [UInt8]) -> Bool {
        var matched = 0
        for byte in bytes {
            if byte == key[matched] {
                matched += 1
                if matched == key.count { return true }
            } else {
                matched = byte == key[0] ? 1 : 0
            }
        }
        return false
    }
}
