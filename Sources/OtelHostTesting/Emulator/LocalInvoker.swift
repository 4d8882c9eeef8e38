import NIOCore
import NIOHTTP1
import OtelHost

/// Sends events to a ``LocalLambdaServer`` over HTTP, as `curl -d @event.json http://127.0.0.1:7000/invoke`
/// would, on one keep-alive connection; for tests and demos.
public struct LocalInvoker: Sendable {
    private let connection: HTTPClientConnection
    private let endpoint: String

    /// Creates an invoker for a running server.
    public init(server: LocalLambdaServer) {
        self.init(host: server.host, port: server.port, endpoint: server.invocationEndpoint)
    }

    /// Creates an invoker for a server at an address.
    public init(host: String, port: Int, endpoint: String = "/invoke") {
        connection = HTTPClientConnection(host: host, port: port)
        self.endpoint = endpoint
    }

    /// Invokes the function and waits for its response.
    ///
    /// - Parameters:
    ///   - event: The event bytes.
    ///   - headers: Extra request headers (`X-Amzn-Trace-Id` becomes the invocation's trace header).
    ///   - timeoutMs: How long to wait for the response; a function that died never answers.
    /// - Returns: The HTTP status (200, or 500 for a function error) and the response body.
    /// - Throws: When the server cannot be reached or the response does not come in time.
    public func invoke(
        _ event: [UInt8], headers: [(String, String)] = [], timeoutMs: UInt64 = 30_000
    ) async throws -> (status: Int, body: String) {
        let connection = self.connection
        let endpoint = self.endpoint
        let response = try await withTimeout(.milliseconds(timeoutMs), "invocation") {
            try await connection.request(
                .POST, endpoint, headers: [("Content-Type", "application/json")] + headers,
                body: ByteBuffer(bytes: event))
        }
        return (response.status, String(decoding: response.bodyBytes, as: UTF8.self))
    }

    /// Closes the invoker's connection. An invoker keeps one connection open for all its invocations; close it
    /// when done, or make one invoker and reuse it, so a long run does not hold a socket per invoker.
    public func close() async {
        await connection.close()
    }
}
