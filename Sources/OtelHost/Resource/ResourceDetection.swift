package import Tracing

/// Finds resource attributes: where the code runs and what it is.
package protocol ResourceDetector: Sendable {
    /// The attributes this detector finds in the environment.
    func detect(_ environment: OtelEnvironment) -> SpanAttributes
}

/// A resource detector backed by a function.
struct ClosureResourceDetector: ResourceDetector {
    let body: @Sendable (OtelEnvironment) -> SpanAttributes

    func detect(_ environment: OtelEnvironment) -> SpanAttributes {
        body(environment)
    }
}

/// The Lambda resource: cloud, function and service attributes from the Lambda environment variables.
///
/// | attribute | source |
/// |---|---|
/// | `cloud.provider` | `aws` |
/// | `cloud.region` | `AWS_REGION` |
/// | `faas.name` | `AWS_LAMBDA_FUNCTION_NAME` |
/// | `faas.version` | `AWS_LAMBDA_FUNCTION_VERSION` |
/// | `faas.instance` | `AWS_LAMBDA_LOG_STREAM_NAME` |
/// | `faas.max_memory` | `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in bytes |
/// | `service.name` | `OTEL_SERVICE_NAME`, else the function name, else `unknown_service` |
/// | `telemetry.sdk.*` | this library, language `swift` |
package struct LambdaResourceDetector: ResourceDetector {
    /// Creates the detector.
    package init() {}

    /// The Lambda attributes.
    package func detect(_ env: OtelEnvironment) -> SpanAttributes {
        var attributes = SpanAttributes()
        attributes["cloud.provider"] = "aws"
        if let region = env.nonEmpty("AWS_REGION") { attributes.set("cloud.region", value: .string(region)) }
        if let name = env.nonEmpty("AWS_LAMBDA_FUNCTION_NAME") { attributes.set("faas.name", value: .string(name)) }
        if let version = env.nonEmpty("AWS_LAMBDA_FUNCTION_VERSION") { attributes.set("faas.version", value: .string(version)) }
        if let instance = env.nonEmpty("AWS_LAMBDA_LOG_STREAM_NAME") { attributes.set("faas.instance", value: .string(instance)) }
        if let memory = env.nonEmpty("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") {
            if let megabytes = Int64(memory), megabytes >= 0, megabytes < Int64.max / 1_048_576 {
                attributes.set("faas.max_memory", value: .int64(megabytes * 1_048_576))
            } else {
                Diagnostics.warn("invalid AWS_LAMBDA_FUNCTION_MEMORY_SIZE=\"\(memory.truncatedForLog())\"; faas.max_memory not set")
            }
        }
        attributes.set("service.name", value: .string(
            env.nonEmpty("OTEL_SERVICE_NAME") ?? env.nonEmpty("AWS_LAMBDA_FUNCTION_NAME") ?? "unknown_service"))
        attributes.set("telemetry.sdk.name", value: .string(LibraryInfo.name))
        attributes.set("telemetry.sdk.version", value: .string(LibraryInfo.version))
        attributes["telemetry.sdk.language"] = "swift"

        return attributes
    }
}

/// Resource attributes from `OTEL_RESOURCE_ATTRIBUTES`: `key=value` pairs separated by commas.
///
/// Each pair is split at its first `=`; key and value are trimmed and percent-decoded. A pair without `=`,
/// with an empty key or with a bad percent escape is skipped with a warning.
package struct EnvironmentResourceDetector: ResourceDetector {
    /// Creates the detector.
    package init() {}

    /// The attributes of `OTEL_RESOURCE_ATTRIBUTES`.
    package func detect(_ env: OtelEnvironment) -> SpanAttributes {
        var attributes = SpanAttributes()
        guard let raw = env.nonEmpty("OTEL_RESOURCE_ATTRIBUTES") else { return attributes }
        for piece in raw.split(separator: ",", omittingEmptySubsequences: true) {
            let entry = String(piece)
            guard let eq = entry.firstIndex(of: "=") else {
                if !entry.trimmingASCIIWhitespace().isEmpty {
                    Diagnostics.warn("OTEL_RESOURCE_ATTRIBUTES: skipping \"\(entry.truncatedForLog())\" (no '=')")
                }
                continue
            }
            let rawKey = String(entry[..<eq]).trimmingASCIIWhitespace()
            let rawValue = String(entry[entry.index(after: eq)...]).trimmingASCIIWhitespace()
            guard let key = PercentEncoding.decode(rawKey), !key.isEmpty,
                let value = PercentEncoding.decode(rawValue)
            else {
                Diagnostics.warn("OTEL_RESOURCE_ATTRIBUTES: skipping malformed \"\(entry.truncatedForLog())\"")
                continue
            }
            attributes.set(key, value: .string(value))
        }
        return attributes
    }
}

/// Builds a resource from the environment and detectors.
package enum OtelResourceBuilder {
    /// Builds the resource: `OTEL_RESOURCE_ATTRIBUTES`, then the detectors in order (so the Lambda values win on
    /// a key collision), then the attributes given in code on top.
    ///
    /// - Parameters:
    ///   - environment: The environment to read.
    ///   - detectors: The registered detectors.
    ///   - custom: Attributes from code, if any.
    /// - Returns: The resource.
    package static func build(
        environment: OtelEnvironment,
        detectors: [any ResourceDetector],
        custom: SpanAttributes?
    ) -> OtelResource {
        var attributes = EnvironmentResourceDetector().detect(environment)
        for detector in detectors {
            attributes.merge(detector.detect(environment))
        }
        if let custom { attributes.merge(custom) }
        return OtelResource(attributes: attributes)
    }
}
