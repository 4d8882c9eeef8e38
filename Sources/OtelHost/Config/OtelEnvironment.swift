#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A snapshot of the environment variables the library reads.
///
/// The library reads its configuration once, from one snapshot, so a function sees a consistent configuration
/// for its whole life. Tests pass their own snapshot instead of changing the process environment, so they can
/// run in parallel.
public struct OtelEnvironment: Sendable {
    /// The variables, by name.
    public var values: [String: String]

    /// Creates a snapshot from explicit values.
    ///
    /// - Parameter values: The variables, by name.
    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// A snapshot of the current process environment.
    public static func process() -> OtelEnvironment {
        var values: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let pair = String(cString: entry)
            if let eq = pair.utf8.firstIndex(of: UInt8(ascii: "=")) {
                values[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            cursor += 1
        }
        return OtelEnvironment(values)
    }

    /// The value of a variable, or `nil` when it is unset.
    public subscript(_ name: String) -> String? {
        values[name]
    }

    /// The trimmed value of a variable, or `nil` when it is unset, empty or only white space.
    public func nonEmpty(_ name: String) -> String? {
        guard let raw = values[name] else { return nil }
        let trimmed = raw.trimmingASCIIWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension OtelEnvironment {
    /// Resolves an integer setting with the precedence environment, then code, then default.
    ///
    /// An environment value that does not parse, or that `isValid` rejects, logs one warning and falls back.
    ///
    /// - Parameters:
    ///   - name: The environment variable.
    ///   - code: The value given in code, if any.
    ///   - defaultValue: The value when neither is set.
    ///   - isValid: Which values are acceptable.
    /// - Returns: The resolved value.
    package func resolveInt(
        _ name: String,
        code: Int?,
        default defaultValue: Int,
        isValid: (Int) -> Bool
    ) -> Int {
        let fallback: Int
        if let code, isValid(code) {
            fallback = code
        } else {
            if let code {
                Diagnostics.warn("invalid value \(code) given in code for \(name); using \(defaultValue)")
            }
            fallback = defaultValue
        }
        guard let raw = nonEmpty(name) else { return fallback }
        guard let parsed = Int(raw), isValid(parsed) else {
            Diagnostics.warn("invalid \(name)=\"\(raw.truncatedForLog())\"; using \(fallback)")
            return fallback
        }
        return parsed
    }

    /// Resolves a boolean setting that accepts exactly `true` or `false` (any case).
    package func resolveBool(_ name: String, code: Bool?, default defaultValue: Bool) -> Bool {
        let fallback = code ?? defaultValue
        guard let raw = nonEmpty(name) else { return fallback }
        switch raw.lowercased() {
        case "true": return true
        case "false": return false
        default:
            Diagnostics.warn("invalid \(name)=\"\(raw.truncatedForLog())\" (expected true or false); using \(fallback)")
            return fallback
        }
    }
}

extension String {
    /// The string without leading and trailing ASCII white space.
    package func trimmingASCIIWhitespace() -> String {
        let utf8 = self.utf8
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
        guard let last = utf8.lastIndex(where: { !isSpace($0) }) else { return "" }
        if first == utf8.startIndex && last == utf8.index(before: utf8.endIndex) { return self }
        return String(self[first...last])
    }

    /// The string cut to a length that is safe to put in a log line.
    package func truncatedForLog(_ limit: Int = 64) -> String {
        count <= limit ? self : String(prefix(limit)) + "…"
    }
}
