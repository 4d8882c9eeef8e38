/// Lambda Managed Instances: one execution environment serves several invocations at once and is never frozen.
enum ManagedInstances {
    /// The value of `AWS_LAMBDA_INITIALIZATION_TYPE` on Managed Instances.
    static let initializationType = "lambda-managed-instances"

    /// Whether the environment says Managed Instances.
    static func isActive(_ environment: OtelEnvironment) -> Bool {
        environment.nonEmpty("AWS_LAMBDA_INITIALIZATION_TYPE")?.lowercased() == initializationType
    }

    /// The variable that sets the background exporter's interval, in milliseconds.
    static let intervalVariable = "LAMBDA_SPAN_PROCESSOR_EXPORT_INTERVAL_MS"

    /// The background exporter's interval: 500 ms by default, at most 1 s.
    static func exportInterval(_ environment: OtelEnvironment) -> Duration {
        let milliseconds = environment.resolveInt(
            intervalVariable, code: nil, default: 500, isValid: { (1...1000).contains($0) })
        return .milliseconds(milliseconds)
    }
}
