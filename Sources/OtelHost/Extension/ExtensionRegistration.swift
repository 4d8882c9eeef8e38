/// Registers the library's internal extension with the Extensions API.
enum ExtensionRegistration {
    /// The extension name registered with Lambda.
    static let extensionName = "lambda-otel-lite-internal"

    static func client(_ context: ProcessingModeContext) throws(LambdaTelemetryError) -> ExtensionAPIClient {
        guard let raw = context.runtimeAPI else {
            throw LambdaTelemetryError(
                code: .extensionAPIUnavailable, "AWS_LAMBDA_RUNTIME_API is not set, so there is no Extensions API")
        }
        guard let address = RuntimeAPIAddress(parsing: raw) else {
            throw LambdaTelemetryError(
                code: .extensionAPIUnavailable, "AWS_LAMBDA_RUNTIME_API=\"\(raw.truncatedForLog())\" is not an address")
        }
        return ExtensionAPIClient(address: address)
    }

    /// Registers within two seconds, or fails.
    static func register(_ client: ExtensionAPIClient, events: [String]) async throws -> String {
        try await withTimeout(.seconds(2), "extension registration") {
            try await client.register(name: extensionName, events: events)
        }
    }
}
