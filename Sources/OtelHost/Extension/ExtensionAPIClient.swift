import NIOCore
import NIOHTTP1

/// An event from the Extensions API's `event/next`.
struct ExtensionEvent: Sendable {
    var type: String
    var requestID: String?
    var deadlineMs: UInt64?
}

/// A client of the Lambda Extensions API (`/2020-01-01/extension/...`) on its own keep-alive connection.
struct ExtensionAPIClient: Sendable {
    let connection: HTTPClientConnection
    let prefix: String

    init(address: RuntimeAPIAddress) {
        connection = HTTPClientConnection(host: address.host, port: address.port)
        prefix = address.pathPrefix
    }

    /// Registers an internal extension; returns its id (`Lambda-Extension-Identifier`).
    func register(name: String, events: [String]) async throws -> String {
        let body = JSONValue.object(JSONObject([
            JSONMember("events", .array(events.map { .string($0) }))
        ])).jsonString
        let response = try await connection.request(
            .POST, "\(prefix)/2020-01-01/extension/register",
            headers: [("Lambda-Extension-Name", name), ("Content-Type", "application/json")],
            body: ByteBuffer(string: body))
        guard (200..<300).contains(response.status) else {
            throw LambdaTelemetryError(
                code: .extensionRegistrationRefused,
                "extension registration answered \(response.status): \(String(decoding: response.bodyBytes.prefix(200), as: UTF8.self))")
        }
        guard let id = response.header("Lambda-Extension-Identifier"), !id.isEmpty else {
            throw LambdaTelemetryError(
                code: .extensionRegistrationRefused, "extension registration answered without Lambda-Extension-Identifier")
        }
        return id
    }

    /// Waits for the next event; calling it also tells Lambda this extension is done with the last invocation.
    func next(id: String) async throws -> ExtensionEvent {
        let response = try await connection.request(
            .GET, "\(prefix)/2020-01-01/extension/event/next", headers: [("Lambda-Extension-Identifier", id)])
        guard response.status == 200 else {
            throw LambdaTelemetryError(code: .extensionAPIFailed, "extension event/next answered \(response.status)")
        }
        let json = try? JSONValue(parsing: response.bodyBytes)
        return ExtensionEvent(
            type: json?["eventType"]?.stringValue ?? "UNKNOWN",
            requestID: json?["requestId"]?.stringValue,
            deadlineMs: json?["deadlineMs"]?.numberValue.map { UInt64(max(0, $0)) })
    }
}
