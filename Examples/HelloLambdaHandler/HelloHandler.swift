package import OtelHost
import Tracing

/// The part of an API Gateway HTTP API (payload 2.0) request the example reads. Other event shapes decode too:
/// every field is optional.
package struct HelloRequest: Decodable, Sendable {
    package struct RequestContext: Decodable, Sendable {
        package struct HTTP: Decodable, Sendable {
            package var method: String?
            package var path: String?
        }
        package var http: HTTP?
    }

    package var rawPath: String?
    package var path: String?
    package var httpMethod: String?
    package var requestContext: RequestContext?
    package var pathParameters: [String: String]?

    package var method: String { requestContext?.http?.method ?? httpMethod ?? "GET" }
    package var requestPath: String { rawPath ?? path ?? requestContext?.http?.path ?? "/" }
}

/// An API Gateway-style response.
package struct HelloResponse: Encodable, Sendable, HTTPStatusReporting {
    package var statusCode: Int
    package var headers: [String: String]
    package var body: String

    package var httpStatusCode: Int? { statusCode }
}

/// What `/throw` throws.
package struct HelloError: Error, CustomStringConvertible {
    package var description: String { "the /throw route always fails" }
}

/// The example function: loads an order (with a query inside), renders it, and answers JSON. `/error` answers
/// 500; `/throw` throws; `/slow` ends a span, then takes a minute (to show a shutdown in the middle of work).
package enum HelloHandler {
    package static func handle(_ request: HelloRequest, context: InvocationContext) async throws -> HelloResponse {
        let path = request.requestPath
        if path.hasSuffix("/throw") {
            throw HelloError()
        }
        if path.hasSuffix("/slow") {
            withSpan("before the wait") { $0.attributes["wait.seconds"] = 60 }
            try await Task.sleep(nanoseconds: 60_000_000_000)
        }
        if path.hasSuffix("/error") {
            return HelloResponse(
                statusCode: 500, headers: ["content-type": "application/json"],
                body: #"{"error":"something went wrong"}"#)
        }
        let orderID = request.pathParameters?["orderId"] ?? String(path.split(separator: "/").last ?? "none")
        let items = try await withSpan("load order", ofKind: .internal) { span in
            span.attributes["order.id"] = orderID
            return try await withSpan("query orders table", ofKind: .client) { query in
                query.attributes["db.system"] = "dynamodb"
                query.attributes["db.operation"] = "GetItem"
                try await Task.sleep(nanoseconds: 2_000_000)
                query.attributes["db.response.items"] = 3
                return 3
            }
        }
        let body = withSpan("render response") { span in
            span.attributes["response.items"] = items
            return #"{"orderId":"\#(orderID)","items":\#(items),"requestId":"\#(context.requestID)"}"#
        }
        return HelloResponse(statusCode: 200, headers: ["content-type": "application/json"], body: body)
    }
}
