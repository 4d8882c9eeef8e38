// hello-lambda: an example function. On AWS it is the `bootstrap` of a provided.al2023 function; locally it
// serves POST http://127.0.0.1:7000/invoke.

import HelloLambdaHandler
import LambdaOtelLite

let telemetry = await LambdaTelemetry.bootstrap(plugins: .defaults)
try await LambdaRuntime.run(telemetry: telemetry, name: "hello-lambda", handler: HelloHandler.handle)
