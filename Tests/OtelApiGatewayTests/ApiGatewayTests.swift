import OtelApiGateway
import OtelHost
import OtelHostTesting
import Testing
import Tracing

/// The sample events of `shared/events`, as a deployed function receives them.
enum Events {
    static let v2 = #"""
    {"version":"2.0","routeKey":"GET /orders/{orderId}","rawPath":"/orders/42",
     "rawQueryString":"expand=items&expand=customer&currency=EUR","cookies":["session=3f1b2c"],
     "headers":{"accept":"application/json","host":"r3pmxmplak.execute-api.us-east-2.amazonaws.com",
       "traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"vendor1=opaque1",
       "user-agent":"curl/8.5.0","x-amzn-trace-id":"Root=1-65a3f2c1-6d1a3e8b5c2f4a7e9b0c1d2e"},
     "requestContext":{"accountId":"123456789012","apiId":"r3pmxmplak",
       "domainName":"r3pmxmplak.execute-api.us-east-2.amazonaws.com",
       "http":{"method":"GET","path":"/orders/42","protocol":"HTTP/1.1","sourceIp":"203.0.113.17","userAgent":"curl/8.5.0"},
       "requestId":"R0vE7hXzIAMEVkQ=","routeKey":"GET /orders/{orderId}","stage":"$default"},
     "pathParameters":{"orderId":"42"},"isBase64Encoded":false}
    """#

    static let v2Default = #"""
    {"version":"2.0","routeKey":"$default","rawPath":"/health","rawQueryString":"",
     "headers":{"Host":"abc.lambda-url.us-east-1.on.aws","User-Agent":"ELB-HealthChecker/2.0"},
     "requestContext":{"domainName":"abc.lambda-url.us-east-1.on.aws",
       "http":{"method":"GET","path":"/health","protocol":"HTTP/1.1","sourceIp":"10.0.0.1","userAgent":"ctx-agent"}}}
    """#

    static let v1 = #"""
    {"resource":"/orders/{orderId}","path":"/orders/42","httpMethod":"POST",
     "headers":{"Accept":"application/json","Host":"b7xmplr0qe.execute-api.us-east-1.amazonaws.com",
       "User-Agent":"Mozilla/5.0","X-Amzn-Trace-Id":"Root=1-65a3f2c3-1a2b3c4d5e6f708192a3b4c5;Parent=53995c3f42cd8ad8;Sampled=1"},
     "multiValueQueryStringParameters":{"tag":["a b","c&d"],"q":["x/y"]},
     "queryStringParameters":{"tag":"c&d","q":"x/y"},
     "requestContext":{"resourcePath":"/orders/{orderId}","httpMethod":"POST","stage":"prod","protocol":"HTTP/1.1",
       "domainName":"b7xmplr0qe.execute-api.us-east-1.amazonaws.com",
       "identity":{"sourceIp":"192.0.2.44","userAgent":"identity-agent"}}}
    """#
}

func extract(_ json: String, extractor: any EventExtractor) throws -> ExtractedSpan {
    let event = try JSONValue(parsing: json)
    #expect(extractor.matches(event))
    return extractor.extract(event)
}

struct ApiGatewayV2Tests {
    @Test func everyAttributeOfTheHTTPAPIEvent() throws {
        let result = try extract(Events.v2, extractor: ApiGatewayEvents.v2())
        #expect(result.spanName == "GET /orders/{orderId}")
        #expect(result.kind == .server)
        #expect(result.trigger == .http)
        let a = result.attributes
        #expect(a.get("http.request.method") == .string("GET"))
        #expect(a.get("url.path") == .string("/orders/42"))
        #expect(a.get("url.query") == .string("expand=items&expand=customer&currency=EUR"))
        #expect(a.get("url.scheme") == .string("https"))
        #expect(a.get("network.protocol.version") == .string("1.1"))
        #expect(a.get("client.address") == .string("203.0.113.17"))
        #expect(a.get("user_agent.original") == .string("curl/8.5.0"))
        #expect(a.get("server.address") == .string("r3pmxmplak.execute-api.us-east-2.amazonaws.com"))
        #expect(a.get("http.route") == .string("/orders/{orderId}"))
        #expect(result.carrier?.value(forHeader: "TRACEPARENT") == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    }

    @Test func defaultRouteHasNoTemplateAndFallsBackToHeaders() throws {
        let result = try extract(Events.v2Default, extractor: ApiGatewayEvents.v2())
        #expect(result.spanName == "GET /health")
        #expect(result.attributes.get("http.route") == nil)
        #expect(result.attributes.get("url.query") == nil)
        #expect(result.attributes.get("user_agent.original") == .string("ELB-HealthChecker/2.0"))
    }

    @Test func shapeDetection() throws {
        let v2 = ApiGatewayEvents.v2(), v1 = ApiGatewayEvents.v1()
        #expect(v2.matches(try JSONValue(parsing: Events.v2)))
        #expect(!v1.matches(try JSONValue(parsing: Events.v2)))
        #expect(v1.matches(try JSONValue(parsing: Events.v1)))
        #expect(!v2.matches(try JSONValue(parsing: Events.v1)))
        let alb = #"{"httpMethod":"GET","path":"/","requestContext":{"elb":{"targetGroupArn":"x"}}}"#
        #expect(!v1.matches(try JSONValue(parsing: alb)))
        #expect(!v2.matches(try JSONValue(parsing: #"{"version":"2.0"}"#)))
        #expect(!v2.matches(try JSONValue(parsing: #"[1,2,3]"#)))
    }

    @Test func missingAndWrongFieldsGiveFewerAttributes() throws {
        let result = try extract(#"{"version":"2.0","routeKey":7,"requestContext":{"http":{"method":1}},"headers":"x"}"#,
                                 extractor: ApiGatewayEvents.v2())
        #expect(result.spanName == "HTTP /")
        #expect(result.attributes.get("http.request.method") == nil)
        #expect(result.attributes.get("url.scheme") == .string("https"))
        #expect(result.carrier == nil)
    }

    @Test func routeTemplates() throws {
        for (key, expected) in [("ANY /{proxy+}", "/{proxy+}"), ("$default", nil), ("POST /a/b", "/a/b"), ("/bare", "/bare")] as [(String, String?)] {
            let json = #"{"version":"2.0","routeKey":"\#(key)","rawPath":"/x","requestContext":{"http":{"method":"GET"}}}"#
            let result = try extract(json, extractor: ApiGatewayEvents.v2())
            #expect(result.attributes.get("http.route") == expected.map { .string($0) })
            #expect(result.spanName == "GET \(expected ?? "/x")")
        }
    }
}

struct ApiGatewayV1Tests {
    @Test func everyAttributeOfTheRESTEvent() throws {
        let result = try extract(Events.v1, extractor: ApiGatewayEvents.v1())
        #expect(result.spanName == "POST /orders/{orderId}")
        let a = result.attributes
        #expect(a.get("http.request.method") == .string("POST"))
        #expect(a.get("url.path") == .string("/orders/42"))
        #expect(a.get("url.query") == .string("tag=a%20b&tag=c%26d&q=x%2Fy"))
        #expect(a.get("url.scheme") == .string("https"))
        #expect(a.get("network.protocol.version") == .string("1.1"))
        #expect(a.get("client.address") == .string("192.0.2.44"))
        #expect(a.get("user_agent.original") == .string("Mozilla/5.0"))
        #expect(a.get("server.address") == .string("b7xmplr0qe.execute-api.us-east-1.amazonaws.com"))
        #expect(a.get("http.route") == .string("/orders/{orderId}"))
        #expect(result.trigger == .http)
    }
}

struct ExtractorRegistryTests {
    @Test func userPluginsComeBeforeBuiltInsAndUnknownEventsGetTheDefault() async throws {
        struct Everything: EventExtractor {
            var name: String { "everything" }
            func matches(_ event: EventValue) -> Bool { event["mine"] != nil }
            func extract(_ event: EventValue) -> ExtractedSpan { ExtractedSpan(spanName: "mine", kind: .consumer, trigger: .pubsub) }
        }
        let mine = ClosurePlugin { $0.registerExtractor(Everything()) }
        let telemetry = await LambdaTelemetry.make(plugins: [mine, ApiGatewayPlugin(), InMemoryExporterPlugin()], environment: OtelEnvironment())
        #expect(telemetry.extract(rawEvent: Array(#"{"mine":1,"version":"2.0","requestContext":{"http":{}}}"#.utf8)).spanName == "mine")
        #expect(telemetry.extract(rawEvent: Array(Events.v2.utf8)).spanName == "GET /orders/{orderId}")
        let other = telemetry.extract(rawEvent: Array(#"{"headers":{"traceparent":"x","n":1}}"#.utf8))
        #expect(other.spanName == nil)
        #expect(other.trigger == .other)
        #expect(other.carrier?.fields.count == 1)
        #expect(telemetry.extract(rawEvent: Array("not json".utf8)).trigger == .other)
    }
}
