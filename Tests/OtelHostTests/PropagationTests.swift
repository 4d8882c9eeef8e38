@testable import OtelHost
import OtelHostTesting
import Testing
import W3CTraceContext

struct PropagationTests {
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    let xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

    @Test func w3cExtractAndInjectRoundTrip() throws {
        let carrier = EventHeaders(["TraceParent": traceparent, "TraceState": "a=1,b=2"])
        let context = try #require(W3CTraceContextPropagator().extract(from: carrier))
        #expect(context.traceID.description == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(context.spanID.description == "00f067aa0ba902b7")
        #expect(context.isSampled)
        #expect(context.isRemote)
        #expect(context.traceState.contains("a=1"))
        var out = EventHeaders()
        W3CTraceContextPropagator().inject(context, into: &out)
        #expect(out.value(forHeader: "traceparent") == traceparent)
    }

    @Test(arguments: [
        "", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
    ])
    func malformedTraceparentIsIgnored(value: String) {
        #expect(W3CTraceContextPropagator().extract(from: EventHeaders(["traceparent": value])) == nil)
    }

    @Test func malformedTracestateKeepsTheParent() {
        let context = W3CTraceContextPropagator().extract(from: EventHeaders(["traceparent": traceparent, "tracestate": "=,=,bad key=1"]))
        #expect(context?.spanID.description == "00f067aa0ba902b7")
    }

    @Test func xrayExtractAndInject() throws {
        let context = try #require(XRayPropagator().extract(from: EventHeaders(["X-Amzn-Trace-Id": xray])))
        #expect(context.traceID.description == "5759e988bd862e3fe1be46a994272793")
        #expect(context.spanID.description == "53995c3f42cd8ad8")
        #expect(context.isSampled)
        var out = EventHeaders()
        XRayPropagator().inject(context, into: &out)
        #expect(out.value(forHeader: "x-amzn-trace-id") == xray)
    }

    @Test(arguments: [
        "Root=1-5759e988-bd862e3fe1be46a994272793", "Parent=53995c3f42cd8ad8;Sampled=1",
        "Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", "Root=1-5759e988-bd862e3fe1be46a99427279;Parent=53995c3f42cd8ad8",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz", ";;;", "",
    ])
    func malformedXRayIsIgnored(value: String) {
        #expect(XRayPropagator().extract(from: EventHeaders(["x-amzn-trace-id": value])) == nil)
    }

    @Test func missingSampledMeansNotSampled() {
        let context = XRayPropagator().extract(from: EventHeaders(["x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"]))
        #expect(context?.isSampled == false)
    }

    @Test func xrayLambdaUsesTheRuntimeHeaderUnlessSampledIsZero() {
        let lambda = XRayLambdaPropagator()
        let fromRuntime = EventHeaders([], lambdaTraceHeader: xray)
        #expect(lambda.extract(from: fromRuntime)?.spanID.description == "53995c3f42cd8ad8")
        let unsampled = EventHeaders([], lambdaTraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0")
        #expect(lambda.extract(from: unsampled) == nil)
        // The carrier wins over the runtime header.
        let both = EventHeaders(
            [.init(name: "x-amzn-trace-id", value: "Root=1-65a3f2c3-1a2b3c4d5e6f708192a3b4c5;Parent=1111111111111111;Sampled=1")],
            lambdaTraceHeader: xray)
        #expect(lambda.extract(from: both)?.spanID.description == "1111111111111111")
    }

    @Test func compositeLastValidWinsSoTraceparentBeatsXRay() {
        let composite = CompositePropagator([XRayLambdaPropagator(), W3CTraceContextPropagator()])
        let both = EventHeaders(["x-amzn-trace-id": xray, "traceparent": traceparent])
        #expect(composite.extract(from: both)?.traceID.description == "4bf92f3577b34da6a3ce929d0e0e4736")
        let xrayOnly = EventHeaders(["x-amzn-trace-id": xray, "traceparent": "broken"])
        #expect(composite.extract(from: xrayOnly)?.traceID.description == "5759e988bd862e3fe1be46a994272793")
    }

    func propagatorNames(_ env: String?, code: [String]? = nil) async -> (EventHeaders) -> String? {
        var values: [String: String] = [:]
        if let env { values["OTEL_PROPAGATORS"] = env }
        let t = await LambdaTelemetry.make(
            configuration: OtelConfiguration(propagators: code), plugins: [InMemoryExporterPlugin()],
            environment: OtelEnvironment(values))
        return { t.tracer.propagator.extract(from: $0)?.traceID.description }
    }

    @Test func otelPropagatorsVariable() async {
        let both = EventHeaders(["x-amzn-trace-id": xray, "traceparent": traceparent])
        let w3c = "4bf92f3577b34da6a3ce929d0e0e4736", aws = "5759e988bd862e3fe1be46a994272793"
        #expect(await propagatorNames(nil)(both) == w3c)
        #expect(await propagatorNames(" TraceContext , XRAY ")(both) == aws)
        #expect(await propagatorNames("xray,tracecontext,xray")(both) == w3c)
        #expect(await propagatorNames("none")(both) == nil)
        #expect(await propagatorNames("tracecontext,none")(both) == w3c)
        #expect(await propagatorNames("bogus,xray")(both) == aws)
        #expect(await propagatorNames("bogus")(both) == w3c)
        #expect(await propagatorNames(nil, code: ["xray"])(both) == aws)
        #expect(await propagatorNames("tracecontext", code: ["xray"])(both) == w3c)
    }
}

struct ProcessWideTraceHeaderTests {
    static let processWide = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

    @Test func onDemandTheProcessWideHeaderIsTheLastSource() {
        let propagator = XRayLambdaPropagator(readsEnvironment: true) { Self.processWide }
        let parent = propagator.extract(from: EventHeaders())
        #expect(parent?.traceID.description == "5759e988bd862e3fe1be46a994272793")
    }

    @Test func onManagedInstancesItNeverSpeaksForAnInvocation() {
        let propagator = XRayLambdaPropagator(readsEnvironment: false) { Self.processWide }
        #expect(propagator.extract(from: EventHeaders()) == nil)
    }

    @Test func theRegisteredPropagatorFollowsTheEnvironment() async {
        let managed = await LambdaTelemetry.make(
            plugins: [],
            environment: OtelEnvironment(["AWS_LAMBDA_INITIALIZATION_TYPE": "lambda-managed-instances"]))
        #expect(managed.settings.isManagedInstances)
        let registered = managed.registry.propagator(named: "xray-lambda") as? XRayLambdaPropagator
        #expect(registered != nil)
        #expect(registered?.readsProcessEnvironment == false)
    }
}
