// bare-lambda: the size and latency floor. The same kind of function as hello-lambda — an API Gateway HTTP API
// event in, an APIGatewayV2Response out, on swift-aws-lambda-runtime with AWSLambdaEvents — with no telemetry.

import AWSLambdaEvents
import AWSLambdaRuntime
import HTTPTypes

let runtime = LambdaRuntime { (event: APIGatewayV2Request, context: LambdaContext) -> APIGatewayV2Response in
    let orderID = event.pathParameters["orderId"] ?? String(event.rawPath.split(separator: "/").last ?? "none")
    try await Task.sleep(for: .milliseconds(2))
    let body = #"{"orderId":"\#(orderID)","items":3,"requestId":"\#(context.requestID)"}"#
    return APIGatewayV2Response(statusCode: .ok, headers: ["content-type": "application/json"], body: body)
}
try await runtime.run()
