// Sample AWS events (API Gateway v1 and v2, ALB, custom), as the demo sends them.

/// The bundled sample events, by name.
package enum SampleEvents {
    /// `apigw_v2_http.json`.
    package static let apiGatewayV2 = #"""
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

    /// `apigw_v2_http_default_route.json`.
    package static let apiGatewayV2DefaultRoute = #"""
    {
      "version": "2.0",
      "routeKey": "$default",
      "rawPath": "/health",
      "rawQueryString": "",
      "headers": {
        "accept": "*/*",
        "content-length": "17",
        "content-type": "application/json",
        "host": "api.example.com",
        "user-agent": "python-requests/2.32.3",
        "x-amzn-trace-id": "Root=1-65a3f2c2-0a1b2c3d4e5f60718293a4b5",
        "x-forwarded-for": "198.51.100.7, 10.0.0.12",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https"
      },
      "requestContext": {
        "accountId": "123456789012",
        "apiId": "a1b2c3d4e5",
        "domainName": "api.example.com",
        "domainPrefix": "api",
        "http": {
          "method": "POST",
          "path": "/health",
          "protocol": "HTTP/2.0",
          "sourceIp": "198.51.100.7",
          "userAgent": "python-requests/2.32.3"
        },
        "requestId": "R0vFAgT5IAMEV0w=",
        "routeKey": "$default",
        "stage": "$default",
        "time": "14/Jan/2025:14:05:22 +0000",
        "timeEpoch": 1736863522456
      },
      "body": "eyJwaW5nIjp0cnVlfQ==",
      "isBase64Encoded": true
    }
    """#

    /// `apigw_v1_rest.json`.
    package static let apiGatewayV1 = #"""
    {
      "resource": "/orders/{orderId}",
      "path": "/orders/42",
      "httpMethod": "POST",
      "headers": {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": "b7xmplr0qe.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0 Safari/537.36",
        "X-Amzn-Trace-Id": "Root=1-65a3f2c3-1a2b3c4d5e6f708192a3b4c5",
        "X-Forwarded-For": "192.0.2.44, 130.176.1.10",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
      },
      "multiValueHeaders": {
        "Accept": ["application/json"],
        "Content-Type": ["application/json"],
        "Host": ["b7xmplr0qe.execute-api.us-east-1.amazonaws.com"],
        "User-Agent": ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0 Safari/537.36"],
        "X-Amzn-Trace-Id": ["Root=1-65a3f2c3-1a2b3c4d5e6f708192a3b4c5"],
        "X-Forwarded-For": ["192.0.2.44, 130.176.1.10"],
        "X-Forwarded-Port": ["443"],
        "X-Forwarded-Proto": ["https"],
        "traceparent": ["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]
      },
      "queryStringParameters": {
        "dryRun": "true",
        "tag": "blue"
      },
      "multiValueQueryStringParameters": {
        "dryRun": ["true"],
        "tag": ["red", "blue"]
      },
      "pathParameters": {
        "orderId": "42"
      },
      "stageVariables": null,
      "requestContext": {
        "accountId": "123456789012",
        "apiId": "b7xmplr0qe",
        "domainName": "b7xmplr0qe.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "b7xmplr0qe",
        "extendedRequestId": "R0vGqH7CoAMFeXw=",
        "httpMethod": "POST",
        "identity": {
          "accessKey": null,
          "accountId": null,
          "caller": null,
          "cognitoAuthenticationProvider": null,
          "cognitoAuthenticationType": null,
          "cognitoIdentityId": null,
          "cognitoIdentityPoolId": null,
          "principalOrgId": null,
          "sourceIp": "192.0.2.44",
          "user": null,
          "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0 Safari/537.36",
          "userArn": null
        },
        "path": "/prod/orders/42",
        "protocol": "HTTP/1.1",
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "requestTime": "14/Jan/2025:14:05:23 +0000",
        "requestTimeEpoch": 1736863523789,
        "resourceId": "2gxmpl",
        "resourcePath": "/orders/{orderId}",
        "stage": "prod"
      },
      "body": "{\"quantity\":3,\"sku\":\"ABC-123\"}",
      "isBase64Encoded": false
    }
    """#

    /// `alb.json`.
    package static let alb = #"""
    {
      "requestContext": {
        "elb": {
          "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-tg/6d0ecf831eec9f09"
        }
      },
      "httpMethod": "GET",
      "path": "/orders",
      "queryStringParameters": {
        "limit": "10",
        "status": "open"
      },
      "headers": {
        "accept": "application/json",
        "accept-encoding": "gzip",
        "connection": "keep-alive",
        "host": "orders-alb-1234567890.us-east-1.elb.amazonaws.com",
        "traceparent": "00-5b8aa5a2d2c872e8321cf37308d69df2-051581bf3cb55c13-01",
        "user-agent": "Go-http-client/1.1",
        "x-amzn-trace-id": "Root=1-65a3f2c4-5e6f708192a3b4c5d6e7f809",
        "x-forwarded-for": "198.51.100.23",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https"
      },
      "body": "",
      "isBase64Encoded": false
    }
    """#

    /// `alb_multivalue.json`.
    package static let albMultiValue = #"""
    {
      "requestContext": {
        "elb": {
          "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-tg/6d0ecf831eec9f09"
        }
      },
      "httpMethod": "POST",
      "path": "/orders/search",
      "multiValueQueryStringParameters": {
        "status": ["open", "pending"],
        "limit": ["10"]
      },
      "multiValueHeaders": {
        "accept": ["application/json"],
        "content-type": ["application/json"],
        "cookie": ["a=1", "b=2"],
        "host": ["orders-alb-1234567890.us-east-1.elb.amazonaws.com"],
        "user-agent": ["Go-http-client/1.1"],
        "x-amzn-trace-id": ["Root=1-65a3f2c5-708192a3b4c5d6e7f8091a2b"],
        "x-forwarded-for": ["198.51.100.23, 203.0.113.9"],
        "x-forwarded-port": ["80"],
        "x-forwarded-proto": ["http"]
      },
      "body": "eyJxIjoid2lkZ2V0In0=",
      "isBase64Encoded": true
    }
    """#

    /// `custom.json`.
    package static let custom = #"""
    {
      "source": "com.example.billing",
      "detailType": "InvoiceCreated",
      "invoiceId": "inv-2025-000042",
      "amount": {"value": 1999, "currency": "EUR"},
      "headers": {
        "traceparent": "00-1e8e2b3c4d5e6f708192a3b4c5d6e7f8-1a2b3c4d5e6f7081-01",
        "tracestate": "billing=t61rcWkgMzE"
      }
    }
    """#

    /// `custom_no_headers.json`.
    package static let customNoHeaders = #"""
    {
      "jobId": "nightly-reindex",
      "attempt": 1,
      "items": [1, 2, 3]
    }
    """#

    /// Every event, with a label, in the order the demo sends them.
    package static let all: [(label: String, json: String)] = [
        ("apigw_v2_http.json", apiGatewayV2),
        ("apigw_v2_http_default_route.json", apiGatewayV2DefaultRoute),
        ("apigw_v1_rest.json", apiGatewayV1),
        ("alb.json", alb),
        ("alb_multivalue.json", albMultiValue),
        ("custom.json", custom),
        ("custom_no_headers.json", customNoHeaders),
    ]
}
