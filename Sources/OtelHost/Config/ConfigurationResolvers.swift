/// Resolves each configured part from the code's value, the environment and the registry, warning once about
/// every value it cannot use.
enum ConfigurationResolvers {
    static func modeName(
        _ code: ProcessingModeName?, registry: PluginRegistry, environment: OtelEnvironment
    ) -> ProcessingModeName {
        var fallback = ProcessingModeName.sync
        if let code {
            if registry.mode(named: code.rawValue) != nil {
                fallback = code
            } else {
                Diagnostics.warn("unknown processing mode \"\(code)\" in code; using sync")
            }
        }
        guard let raw = environment.nonEmpty(ProcessingModeName.variable) else { return fallback }
        let name = ProcessingModeName(raw)
        guard registry.mode(named: name.rawValue) != nil else {
            Diagnostics.warn(
                "invalid \(ProcessingModeName.variable)=\"\(raw.truncatedForLog())\" (expected one of "
                    + "\(registry.processingModeNames.joined(separator: ", "))); using \(fallback)")
            return fallback
        }
        return name
    }

    static func propagator(
        _ code: [String]?, registry: PluginRegistry, environment: OtelEnvironment
    ) -> any TracePropagator {
        /// The propagators named, or `nil` when no name is known (then the caller warns once).
        func build(_ names: [String], source: String) -> [any TracePropagator]? {
            var seen: Set<String> = []
            var members: [any TracePropagator] = []
            var unknown: [String] = []
            for raw in names {
                let name = raw.trimmingASCIIWhitespace().lowercased()
                guard !name.isEmpty, seen.insert(name).inserted, name != "none" else { continue }
                if let propagator = registry.propagator(named: name) {
                    members.append(propagator)
                } else {
                    unknown.append(name)
                }
            }
            if seen == ["none"] { return [] }
            guard !members.isEmpty else { return nil }
            for name in unknown {
                Diagnostics.warn("unknown propagator \"\(name.truncatedForLog())\" in \(source); skipped")
            }
            return members
        }
        var members = build(["xray-lambda", "tracecontext"], source: "defaults") ?? []
        if let code {
            if let fromCode = build(code, source: "the configuration") {
                members = fromCode
            } else {
                Diagnostics.warn("the configuration names no known propagator (\(code.joined(separator: ","))); ignored")
            }
        }
        if let raw = environment["OTEL_PROPAGATORS"], !raw.trimmingASCIIWhitespace().isEmpty {
            if let fromEnvironment = build(raw.split(separator: ",").map(String.init), source: "OTEL_PROPAGATORS") {
                members = fromEnvironment
            } else {
                Diagnostics.warn("OTEL_PROPAGATORS=\"\(raw.truncatedForLog())\" names no known propagator; ignored")
            }
        }
        return members.isEmpty ? NoOpPropagator() : CompositePropagator(members)
    }

    static func sampler(
        _ code: (any Sampler)?, registry: PluginRegistry, environment: OtelEnvironment
    ) -> any Sampler {
        let fallback = code ?? ParentBasedSampler(root: AlwaysOnSampler())
        guard let raw = environment.nonEmpty("OTEL_TRACES_SAMPLER") else { return fallback }
        let name = raw.lowercased()
        guard let factory = registry.samplerFactory(named: name) else {
            Diagnostics.warn(
                "invalid OTEL_TRACES_SAMPLER=\"\(raw.truncatedForLog())\" (expected one of "
                    + "\(registry.samplerNames.joined(separator: ", "))); using \(fallback.description)")
            return fallback
        }
        return factory(environment.nonEmpty("OTEL_TRACES_SAMPLER_ARG"))
    }

    static func exporter(
        _ code: String?, registry: PluginRegistry, environment: OtelEnvironment
    ) -> (name: String, exporter: any SpanExporter) {
        var name = registry.exporterNames.first
        if let code {
            if registry.exporterFactory(named: code.lowercased()) != nil {
                name = code.lowercased()
            } else {
                Diagnostics.warn("unknown exporter \"\(code)\" in code; using \(name ?? "none")")
            }
        }
        if let raw = environment.nonEmpty("OTEL_TRACES_EXPORTER") {
            if registry.exporterFactory(named: raw.lowercased()) != nil {
                name = raw.lowercased()
            } else if raw.lowercased() == "none" {
                return ("none", NoOpSpanExporter())
            } else {
                Diagnostics.warn(
                    "invalid OTEL_TRACES_EXPORTER=\"\(raw.truncatedForLog())\" (registered: "
                        + "\(registry.exporterNames.joined(separator: ", "))); using \(name ?? "none")")
            }
        }
        guard let name, let factory = registry.exporterFactory(named: name) else {
            Diagnostics.warn("no span exporter is registered: spans are not exported (add the stdout exporter plugin)")
            return ("none", NoOpSpanExporter())
        }
        return (name, factory(environment))
    }
}
