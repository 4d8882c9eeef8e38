import OtelALB
import OtelHost
import Testing
import Tracing

struct ALBTests {
    static let single = #"""
    {"requestContext":{"elb":{"targetGroupArn":"arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a"}},
     "httpMethod":"GET","path":"/lambda","queryStringParameters":{"query":"1234ABCD"},
     "headers":{"accept":"text/html","host":"lambda-alb-123578498.us-east-2.elb.amazonaws.com",
       "user-agent":"Mozilla/5.0","x-forwarded-for":"72.12.164.125","x-forwarded-port":"80","x-forwarded-proto":"http",
       "x-amzn-trace-id":"Root=1-5bdb40ca-556d8b0c50dc66f0511bf520;Parent=53995c3f42cd8ad8;Sampled=1"},
     "body":"","isBase64Encoded":false}
    """#

    static let multi = #"""
    {"requestContext":{"elb":{"targetGroupArn":"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-tg/6d0ecf831eec9f09"}},
     "httpMethod":"POST","path":"/orders/search",
     "multiValueQueryStringParameters":{"status":["open","pending"],"limit":["10"]},
     "multiValueHeaders":{"Host":["orders-alb-1234567890.us-east-1.elb.amazonaws.com"],"User-Agent":["Go-http-client/1.1"],
       "X-Forwarded-For":["198.51.100.23, 203.0.113.9"],"X-Forwarded-Proto":["HTTPS"],
       "traceparent":["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]},
     "body":"eyJxIjoid2lkZ2V0In0=","isBase64Encoded":true}
    """#

    func extract(_ json: String) throws -> ExtractedSpan {
        let event = try JSONValue(parsing: json)
        #expect(ALBEvents.extractor().matches(event))
        return ALBEvents.extractor().extract(event)
    }

    @Test func singleValueForm() throws {
        let result = try extract(Self.single)
        #expect(result.spanName == "GET /lambda")
        #expect(result.trigger == .http)
        let a = result.attributes
        #expect(a.get("http.request.method") == .string("GET"))
        #expect(a.get("url.path") == .string("/lambda"))
        #expect(a.get("url.query") == .string("query=1234ABCD"))
        #expect(a.get("url.scheme") == .string("http"))
        #expect(a.get("network.protocol.version") == .string("1.1"))
        #expect(a.get("client.address") == .string("72.12.164.125"))
        #expect(a.get("user_agent.original") == .string("Mozilla/5.0"))
        #expect(a.get("server.address") == .string("lambda-alb-123578498.us-east-2.elb.amazonaws.com"))
        #expect(a.get("alb.target_group_arn") == .string("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a"))
        #expect(a.get("http.route") == nil)
    }

    @Test func multiValueFormWithMixedCaseHeaders() throws {
        let result = try extract(Self.multi)
        #expect(result.spanName == "POST /orders/search")
        let a = result.attributes
        #expect(a.get("url.query") == .string("status=open&status=pending&limit=10"))
        #expect(a.get("url.scheme") == .string("https"))
        #expect(a.get("client.address") == .string("198.51.100.23"))
        #expect(a.get("user_agent.original") == .string("Go-http-client/1.1"))
        #expect(a.get("server.address") == .string("orders-alb-1234567890.us-east-1.elb.amazonaws.com"))
        #expect(result.carrier?.value(forHeader: "traceparent") == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    }

    @Test func notAnALBEvent() throws {
        #expect(!ALBEvents.extractor().matches(try JSONValue(parsing: #"{"httpMethod":"GET","requestContext":{"stage":"prod"}}"#)))
        #expect(!ALBEvents.extractor().matches(try JSONValue(parsing: #"{"requestContext":{"elb":"x"}}"#)))
    }
}
