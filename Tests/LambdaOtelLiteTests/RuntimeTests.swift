import HelloLambdaHandler
import LambdaOtelLite
import OtelHostTesting
import OtlpStdoutDecoding
import Testing
import Tracing
@testable import OtelHost

struct RuntimeTests {
    @Test func responseReachesTheCallerWithOneServerSpanAndItsChildren() async throws {
        let lambda = try await LocalLambda.start()
        defer { Task { await lambda.stop() } }
        let (status, body) = try await lambda.invoke(SampleEvents.apiGatewayV2)
        #expect(status == 200)
        let response = try JSONValue(parsing: body)
        #expect(response["statusCode"]?.intValue == 200)

        let spans = lambda.exporter.spans
        let servers = spans.filter { $0.kind == .server }
        #expect(servers.count == 1)
        let server = try #require(servers.first)
        #expect(server.name == "GET /orders/{orderId}")
        #expect(server.context.traceID.description == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(server.parentSpanID?.description == "00f067aa0ba902b7")
        #expect(server.parentIsRemote == true)
        #expect(server.context.traceState == "vendor1=opaque1")
        #expect(server.attributes.get("faas.trigger") == .string("http"))
        #expect(server.attributes.get("cloud.account.id") == .string("000000000000"))
        #expect(server.attributes.get("cloud.resource_id") == .string("arn:aws:lambda:us-east-1:000000000000:function:test-fn"))
        #expect(server.attributes.get("http.response.status_code") == .int64(200))
        #expect(server.attributes.get("http.status_code") == .int64(200))
        #expect(server.status?.code == .ok)
        let invocationID = try #require(server.attributes.get("faas.invocation_id"))
        guard case .string(let requestID) = invocationID else { Issue.record("faas.invocation_id is not a string"); return }
        #expect(body.contains(requestID))

        let load = try #require(spans.first { $0.name == "load order" })
        let query = try #require(spans.first { $0.name == "query orders table" })
        let render = try #require(spans.first { $0.name == "render response" })
        #expect(load.parentSpanID == server.context.spanID)
        #expect(render.parentSpanID == server.context.spanID)
        #expect(query.parentSpanID == load.context.spanID)
        #expect(query.kind == .client)
    }

    @Test func coldStartIsTrueExactlyOnceAndEveryInvocationCompletes() async throws {
        let lambda = try await LocalLambda.start()
        defer { Task { await lambda.stop() } }
        for _ in 0..<3 { _ = try await lambda.invoke(SampleEvents.custom) }
        _ = try await lambda.invoke(SampleEvents.apiGatewayV2.replacingOccurrences("/orders/42", "/orders/throw"))
        let servers = lambda.exporter.spans.filter { $0.kind == .server }
        #expect(servers.count == 4)
        #expect(servers.map { $0.attributes.get("faas.coldstart") } == [.bool(true), .bool(false), .bool(false), .bool(false)])
        // Sync mode flushes on every completion: one export per invocation, the throwing one included.
        #expect(lambda.exporter.exportCount == 4)
    }

    @Test func theFirstInvocationsTraceHoldsTheInitSpanAndTheSecondsDoesNot() async throws {
        let lambda = try await LocalLambda.start()
        defer { Task { await lambda.stop() } }
        for _ in 0..<2 { _ = try await lambda.invoke(SampleEvents.custom) }
        let spans = lambda.exporter.spans
        let servers = spans.filter { $0.kind == .server }
        #expect(servers.count == 2)
        let first = try #require(servers.first { $0.attributes.get("faas.coldstart") == .bool(true) })
        let second = try #require(servers.first { $0.attributes.get("faas.coldstart") == .bool(false) })
        let inits = spans.filter { $0.name == "lambda-init" }
        #expect(inits.count == 1)
        let initSpan = try #require(inits.first)
        #expect(initSpan.context.traceID == first.context.traceID)
        #expect(initSpan.parentSpanID == first.context.spanID)
        #expect(initSpan.startTimeUnixNano < first.startTimeUnixNano)
        #expect(initSpan.endTimeUnixNano <= first.startTimeUnixNano)
        #expect(initSpan.attributes.get("faas.coldstart") == .bool(true))
        // The span never claims more than Lambda's 10 s init limit before the bootstrap: a test process that has
        // run for longer than that is not this function's init, and the span starts at the bootstrap.
        let processStart = try #require(InitTiming.processStartNanos())
        if initSpan.attributes.get("lambda_otel_lite.init.start") == .string("process") {
            // The two readings of the process start differ only by the clocks' jitter.
            #expect(max(initSpan.startTimeUnixNano, processStart) - min(initSpan.startTimeUnixNano, processStart) < 20_000_000)
        } else {
            #expect(initSpan.attributes.get("lambda_otel_lite.init.start") == .string("bootstrap"))
            #expect(initSpan.startTimeUnixNano > processStart + InitTiming.processStartBound)
        }
        #expect(!spans.contains { $0.parentSpanID == second.context.spanID && $0.name == "lambda-init" })
    }

    @Test func errorStatusAndThrownErrors() async throws {
        let lambda = try await LocalLambda.start()
        defer { Task { await lambda.stop() } }
        let (errorStatus, _) = try await lambda.invoke(SampleEvents.apiGatewayV2.replacingOccurrences("/orders/42", "/orders/error"))
        #expect(errorStatus == 200)
        let (thrownStatus, thrownBody) = try await lambda.invoke(
            SampleEvents.apiGatewayV2.replacingOccurrences("/orders/42", "/orders/throw"))
        #expect(thrownStatus == 500)
        let error = try JSONValue(parsing: thrownBody)
        #expect(error["errorMessage"]?.stringValue == "the /throw route always fails")
        #expect(error["errorType"]?.stringValue == "HelloError")

        let servers = lambda.exporter.spans.filter { $0.kind == .server }
        #expect(servers.count == 2)
        #expect(servers[0].status == SpanStatus(code: .error, message: "HTTP 500 response"))
        #expect(servers[0].attributes.get("http.response.status_code") == .int64(500))
        #expect(servers[1].status?.code == .error)
        #expect(servers[1].status?.message == "the /throw route always fails")
        let exception = try #require(servers[1].events.first { $0.name == "exception" })
        #expect(exception.attributes.get("exception.message") == .string("the /throw route always fails"))
        guard case .string(let type)? = exception.attributes.get("exception.type") else {
            Issue.record("exception.type is not a string")
            return
        }
        #expect(type.contains("HelloError"))
    }

    @Test func mixedCaseHeaderNamesInEvents() async throws {
        let lambda = try await LocalLambda.start()
        defer { Task { await lambda.stop() } }
        let event = #"{"headers":{"TraceParent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","X-Custom":"1"}}"#
        _ = try await lambda.invoke(event)
        let server = try #require(lambda.exporter.spans.first { $0.kind == .server })
        #expect(server.context.traceID.description == "0af7651916cd43dd8448eb211c80319c")
        #expect(server.parentSpanID?.description == "b7ad6b7169203331")
        #expect(server.name == "test-handler")
        #expect(server.attributes.get("faas.trigger") == .string("other"))
    }

    @Test func malformedEventsStillGetASpanAndTheHandlerRuns() async throws {
        let lambda = try await LocalLambda.start()
        defer { Task { await lambda.stop() } }
        // Not JSON at all: the typed handler cannot decode it, so the invocation fails, with its span.
        let (status, _) = try await lambda.invoke("{not json")
        #expect(status == 500)
        // JSON of the wrong shape for every extractor: a span with fewer attributes, and the handler answers.
        let (ok, _) = try await lambda.invoke(
            #"{"version":"2.0","routeKey":42,"requestContext":{"http":{},"domainName":[1]},"headers":{"traceparent":"garbage","user-agent":5}}"#)
        #expect(ok == 200)
        let servers = lambda.exporter.spans.filter { $0.kind == .server }
        #expect(servers.count == 2)
        #expect(servers[0].status?.code == .error)
        #expect(servers[1].name == "HTTP /")
        #expect(servers[1].parentSpanID == nil)
        #expect(servers[1].attributes.get("http.route") == nil)
        #expect(servers[1].attributes.get("faas.trigger") == .string("http"))
    }

    @Test func runtimeAPIAddressForms() {
        // The Extensions API address: AWS's form, and the forms of third-party emulators.
        #expect(RuntimeAPIAddress(parsing: "127.0.0.1:9001") == RuntimeAPIAddress(host: "127.0.0.1", port: 9001))
        #expect(RuntimeAPIAddress(parsing: "http://localhost:9000/.rt") == RuntimeAPIAddress(host: "localhost", port: 9000, pathPrefix: "/.rt"))
        #expect(RuntimeAPIAddress(parsing: "http://[::1]:9000/") == RuntimeAPIAddress(host: "::1", port: 9000))
        #expect(RuntimeAPIAddress(parsing: "nonsense") == nil)
        #expect(RuntimeAPIAddress(parsing: "host:99999") == nil)
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

struct EmulatorTests {
    /// The runtime's client reads at most 80 KiB of headers with `next`: the emulator refuses an invocation it
    /// could not deliver instead of losing it.
    @Test func anOversizedTraceHeaderIsRefusedAtInvoke() async throws {
        let server = try await LocalLambdaServer.start(port: 0, functionName: "emulator")
        defer { Task { await server.shutdown() } }
        let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;"
            + String(repeating: "x", count: 81_635)
        let (status, body) = try await LocalInvoker(server: server).invoke(
            Array("{}".utf8), headers: [("X-Amzn-Trace-Id", header)], timeoutMs: 5_000)
        #expect(status == 400)
        #expect(body.contains("16 KiB"))
    }
}

struct InitTimingBoundTests {
    @Test func initStartsAtTheProcessStartOnlyWithinLambdasInitLimit() {
        let bootstrap: UInt64 = 1_800_000_000_000_000_000
        let recent = InitTiming(bootstrapStartNanos: bootstrap, processStartNanos: bootstrap - 1_500_000_000)
        #expect(recent.startsAtProcessStart)
        #expect(recent.startNanos == bootstrap - 1_500_000_000)
        // `swift run` built for 75 s, then exec'd the product in the same process.
        let exec = InitTiming(bootstrapStartNanos: bootstrap, processStartNanos: bootstrap - 75_000_000_000)
        #expect(!exec.startsAtProcessStart)
        #expect(exec.startNanos == bootstrap)
        let unreadable = InitTiming(bootstrapStartNanos: bootstrap, processStartNanos: nil)
        #expect(unreadable.startNanos == bootstrap)
    }
}
