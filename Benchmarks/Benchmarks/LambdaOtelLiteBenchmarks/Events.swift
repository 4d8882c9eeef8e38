#if canImport(Glibc)
import Glibc
#endif

/// The API Gateway v2 sample event (`Examples/Events/apigw_v2_http.json`), as the peer bench uses it.
let apiGatewayV2Event: String = {
    var path = #filePath
    for _ in 0..<4 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
    guard let file = fopen(path + "/Examples/Events/apigw_v2_http.json", "r") else {
        fatalError("cannot read the sample event under \(path)")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}()
