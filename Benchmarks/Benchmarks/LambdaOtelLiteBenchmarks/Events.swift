// The API Gateway v2 sample event (shared/events/apigw_v2_http.json), as the peer bench uses it.
let apiGatewayV2Event = #"""
{
  "version": "2.0",
  "routeKey": "GET /orders/{orderId}",
  "rawPath": "/orders/42",
  "rawQueryString": "expand=items&expand=customer&currency=EUR",
  "cookies": [
    "session=3f1b2c",
    "theme=dark"
  ],
  "headers": {
    "accept": "application/json",
    "accept-encoding": "gzip, deflate, br",
    "content-length": "0",
    "host": "r3pmxmplak.execute-api.us-east-2.amazonaws.com",
    "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "tracestate": "vendor1=opaque1",
    "user-agent": "curl/8.5.0",
    "x-amzn-trace-id": "Root=1-65a3f2c1-6d1a3e8b5c2f4a7e9b0c1d2e",
    "x-forwarded-for": "203.0.113.17",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https"
  },
  "queryStringParameters": {
    "currency": "EUR",
    "expand": "items,customer"
  },
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "r3pmxmplak",
    "domainName": "r3pmxmplak.execute-api.us-east-2.amazonaws.com",
    "domainPrefix": "r3pmxmplak",
    "http": {
      "method": "GET",
      "path": "/orders/42",
      "protocol": "HTTP/1.1",
      "sourceIp": "203.0.113.17",
      "userAgent": "curl/8.5.0"
    },
    "requestId": "R0vE7hXzIAMEVkQ=",
    "routeKey": "GET /orders/{orderId}",
    "stage": "$default",
    "time": "14/Jan/2025:14:05:21 +0000",
    "timeEpoch": 1736863521123
  },
  "pathParameters": {
    "orderId": "42"
  },
  "isBase64Encoded": false
}
"""#
