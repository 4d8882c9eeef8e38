// The README's function: a plain swift-aws-lambda-runtime function, traced by three more lines.

import AWSLambdaEvents
import AWSLambdaRuntime
import HTTPTypes
import LambdaOtelLite

let telemetry = await LambdaTelemetry.bootstrap(plugins: .defaults)
let runtime = LambdaRuntime(telemetry: telemetry) { (request: APIGatewayV2Request, context: LambdaContext) in
    let greeting = withSpan("load greeting") { span in  // a child of the invocation span
        span.attributes["path"] = request.rawPath
        return "hello"
    }
    return APIGatewayV2Response(statusCode: .ok, body: greeting)
}
try await telemetry.run(alongside: runtime)
