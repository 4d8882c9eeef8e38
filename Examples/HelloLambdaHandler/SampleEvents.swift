#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The sample AWS events in `Examples/Events` (API Gateway v1 and v2, ALB, custom), read from the source tree.
package enum SampleEvents {
    /// The folder of the sample events, found from this file's location in the checkout.
    package static let folder: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path + "/Examples/Events"
    }()

    /// The contents of `Examples/Events/<name>`, or an empty object when it cannot be read.
    package static func named(_ name: String) -> String {
        guard let file = fopen(folder + "/" + name, "r") else { return "{}" }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `apigw_v2_http.json`.
    package static let apiGatewayV2 = named("apigw_v2_http.json")
    /// `apigw_v2_http_default_route.json`.
    package static let apiGatewayV2DefaultRoute = named("apigw_v2_http_default_route.json")
    /// `apigw_v1_rest.json`.
    package static let apiGatewayV1 = named("apigw_v1_rest.json")
    /// `alb.json`.
    package static let alb = named("alb.json")
    /// `alb_multivalue.json`.
    package static let albMultiValue = named("alb_multivalue.json")
    /// `custom.json`.
    package static let custom = named("custom.json")
    /// `custom_no_headers.json`.
    package static let customNoHeaders = named("custom_no_headers.json")

    /// Every event in `Examples/Events`, with its file name, in name order.
    package static let all: [(label: String, json: String)] = {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".json") { names.append(name) }
        }
        return names.sorted().map { ($0, named($0)) }
    }()
}
