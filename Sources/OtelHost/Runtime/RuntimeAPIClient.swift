import NIOCore
import NIOHTTP1

/// A client of the Lambda Runtime API (`/2018-06-01/runtime/...`) on one keep-alive connection.
package struct RuntimeAPIClient: Sendable {
    let connection: HTTPClientConnection
    let prefix: String

    package init(address: RuntimeAPIAddress) {
        connection = HTTPClientConnection(host: address.host, port: address.port)
        prefix = address.pathPrefix
    }

    /// Waits for the next invocation.
    package func next() async throws -> (InvocationContext, [UInt8]) {
        let response = try await connection.request(.GET, "\(prefix)/2018-06-01/runtime/invocation/next")
        guard response.status == 200 else {
            throw RuntimeAPIError("GET next answered \(response.status): \(String(decoding: response.bodyBytes.prefix(200), as: UTF8.self))")
        }
        guard let requestID = response.header("Lambda-Runtime-Aws-Request-Id"), !requestID.isEmpty else {
            throw RuntimeAPIError("GET next answered without Lambda-Runtime-Aws-Request-Id")
        }
        let context = InvocationContext(
            requestID: requestID,
            deadlineMs: normalizedDeadlineMs(response.header("Lambda-Runtime-Deadline-Ms").flatMap { UInt64($0) }),
            invokedFunctionARN: response.header("Lambda-Runtime-Invoked-Function-Arn") ?? "",
            traceHeader: response.header("Lambda-Runtime-Trace-Id"),
            clientContext: response.header("Lambda-Runtime-Client-Context"),
            cognitoIdentity: response.header("Lambda-Runtime-Cognito-Identity"),
            tenantID: response.header("Lambda-Runtime-Aws-Tenant-Id"))
        return (context, response.bodyBytes)
    }

    /// Sends an invocation's response.
    package func respond(requestID: String, body: [UInt8]) async throws {
        let response = try await connection.request(
            .POST, "\(prefix)/2018-06-01/runtime/invocation/\(requestID)/response",
            body: ByteBuffer(bytes: body))
        guard (200..<300).contains(response.status) else {
            throw RuntimeAPIError("POST response answered \(response.status): \(String(decoding: response.bodyBytes.prefix(200), as: UTF8.self))")
        }
    }

    /// Reports an invocation's error.
    package func reportError(requestID: String, error: any Error) async throws {
        try await postError("\(prefix)/2018-06-01/runtime/invocation/\(requestID)/error", error: error)
    }

    /// Reports an initialisation error.
    package func reportInitError(_ error: any Error) async throws {
        try await postError("\(prefix)/2018-06-01/runtime/init/error", error: error)
    }

    private func postError(_ path: String, error: any Error) async throws {
        let body = JSONValue.object(JSONObject([
            JSONMember("errorMessage", .string(String(describing: error))),
            JSONMember("errorType", .string(String(describing: type(of: error)))),
        ])).jsonString
        let response = try await connection.request(
            .POST, path,
            headers: [("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", "Unhandled")],
            body: ByteBuffer(string: body))
        guard (200..<300).contains(response.status) else {
            throw RuntimeAPIError("POST \(path) answered \(response.status)")
        }
    }
}

/// A failure talking to the Lambda Runtime API.
public struct RuntimeAPIError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let message: String

    init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
