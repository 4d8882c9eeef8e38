package import AWSLambdaEvents
package import AWSLambdaRuntime
import CoreMetrics
import HTTPTypes
import Logging
import Tracing

/// The events the example answers: an API Gateway HTTP API (payload 2.0) request, a REST API (payload 1.0)
/// request, an ALB request, or any other JSON (a custom event).
package enum HelloEvent: Decodable, Sendable {
    case httpAPI(APIGatewayV2Request)
    case restAPI(APIGatewayRequest)
    case alb(ALBTargetGroupRequest)
    case other(path: String?)

    private struct Custom: Decodable {
        var rawPath: String?
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let request = try? container.decode(APIGatewayV2Request.self) {
            self = .httpAPI(request)
        } else if let request = try? container.decode(APIGatewayRequest.self) {
            self = .restAPI(request)
        } else if let request = try? container.decode(ALBTargetGroupRequest.self) {
            self = .alb(request)
        } else {
            self = .other(path: (try? container.decode(Custom.self))?.rawPath)
        }
    }

    /// The request path; `/` for a custom event.
    package var path: String {
        switch self {
        case .httpAPI(let request): return request.rawPath
        case .restAPI(let request): return request.path
        case .alb(let request): return request.path
        case .other(let path): return path ?? "/"
        }
    }

    /// The `orderId` path parameter, when the route has one.
    package var orderID: String? {
        switch self {
        case .httpAPI(let request): return request.pathParameters["orderId"]
        case .restAPI(let request): return request.pathParameters["orderId"]
        case .alb, .other: return nil
        }
    }
}

/// What `/throw` throws.
package struct HelloError: Error, CustomStringConvertible {
    package var description: String { "the /throw route always fails" }
}

/// The example function: loads an order (with a query inside), renders it, and answers JSON. `/error` answers
/// 500; `/throw` throws; `/slow` ends a span, then takes a minute (to show a shutdown in the middle of work).
///
/// It counts its requests (`hello.requests`, by outcome), times the order load (`hello.load_order`) and logs
/// what it loaded: with the EMF metrics and the span-event log handler installed, they become EMF lines and
/// `log.record` events of the invocation's spans.
package enum HelloHandler {
    package static func handle(_ event: HelloEvent, context: LambdaContext) async throws -> APIGatewayV2Response {
        let path = event.path
        if path.hasSuffix("/throw") {
            Counter(label: "hello.requests", dimensions: [("outcome", "thrown")]).increment()
            context.logger.error("the /throw route always fails")
            throw HelloError()
        }
        if path.hasSuffix("/slow") {
            withSpan("before the wait") { $0.attributes["wait.seconds"] = 60 }
            try await Task.sleep(for: .seconds(60))
        }
        if path.hasSuffix("/error") {
            Counter(label: "hello.requests", dimensions: [("outcome", "error")]).increment()
            context.logger.warning("answering 500 for \(path.count)-character path")
            return APIGatewayV2Response(
                statusCode: 500, headers: ["content-type": "application/json"],
                body: #"{"error":"something went wrong"}"#)
        }
        let orderID = event.orderID ?? String(path.split(separator: "/").last ?? "none")
        let loadStarted = ContinuousClock.now
        let items = try await withSpan("load order", ofKind: .internal) { span in
            span.attributes["order.id"] = orderID
            return try await withSpan("query orders table", ofKind: .client) { query in
                query.attributes["db.system"] = "dynamodb"
                query.attributes["db.operation"] = "GetItem"
                try await Task.sleep(for: .milliseconds(2))
                query.attributes["db.response.items"] = 3
                return 3
            }
        }
        CoreMetrics.Timer(label: "hello.load_order").recordNanoseconds((ContinuousClock.now - loadStarted).nanoseconds)
        Counter(label: "hello.requests", dimensions: [("outcome", "ok")]).increment()
        context.logger.info("loaded order", metadata: ["order.items": "\(items)"])
        let body = withSpan("render response") { span in
            span.attributes["response.items"] = items
            return #"{"orderId":"\#(orderID)","items":\#(items),"requestId":"\#(context.requestID)"}"#
        }
        return APIGatewayV2Response(statusCode: 200, headers: ["content-type": "application/json"], body: body)
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}
