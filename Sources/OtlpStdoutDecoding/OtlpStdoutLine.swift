import CZlib
import OtelHost

/// One otlp-stdout line, checked and decoded: the envelope keys and the OTLP request in the payload.
public struct OtlpStdoutLine: Sendable, Hashable {
    /// `__otel_otlp_stdout`: the exporter version.
    public var version: String
    /// `source`: the service name.
    public var source: String
    /// `endpoint`.
    public var endpoint: String
    /// `method`.
    public var method: String
    /// `content-type`.
    public var contentType: String
    /// `content-encoding`.
    public var contentEncoding: String
    /// `headers`, when present.
    public var headers: [String: String]?
    /// `level`, when present.
    public var level: String?
    /// The payload after base64 and gzip decoding: protobuf bytes.
    public var protobuf: [UInt8]
    /// The decoded request.
    public var request: DecodedRequest

    /// Decodes a line as the forwarder does, with its checks: the eight required keys with the right types,
    /// base64 when `base64` is true, gunzip when `content-encoding` is `gzip`, protobuf when `content-type` is
    /// `application/x-protobuf`.
    ///
    /// Lines wrapped by Lambda's JSON log format (`{"message": "<line>"}` or an object `message`) and lines with a
    /// text prefix before the JSON (a CloudWatch Logs export) are unwrapped first.
    ///
    /// - Throws: ``DecodingError`` when the line is not an otlp-stdout line or its payload does not decode.
    public init(decoding text: String) throws(DecodingError) {
        guard let object = Self.envelope(text) else { throw DecodingError("not an otlp-stdout line") }
        func string(_ key: String) throws(DecodingError) -> String {
            guard let value = object[key] else { throw DecodingError("missing key \(key)") }
            guard case .string(let s) = value else { throw DecodingError("key \(key) is not a string") }
            return s
        }
        version = try string("__otel_otlp_stdout")
        source = try string("source")
        endpoint = try string("endpoint")
        method = try string("method")
        contentType = try string("content-type")
        contentEncoding = try string("content-encoding")
        let payload = try string("payload")
        guard let base64Value = object["base64"] else { throw DecodingError("missing key base64") }
        guard case .bool(let isBase64) = base64Value else { throw DecodingError("key base64 is not a Boolean") }
        if let headersValue = object["headers"] {
            guard case .object(let headerObject) = headersValue else { throw DecodingError("headers is not an object") }
            var headers: [String: String] = [:]
            for member in headerObject.members {
                guard case .string(let value) = member.value else { throw DecodingError("header \(member.key) is not a string") }
                headers[member.key] = value
            }
            self.headers = headers
        }
        if let levelValue = object["level"] {
            guard case .string(let level) = levelValue else { throw DecodingError("level is not a string") }
            self.level = level
        }
        var bytes: [UInt8]
        if isBase64 {
            guard let decoded = Self.base64Decode(payload) else { throw DecodingError("payload is not valid base64") }
            bytes = decoded
        } else {
            bytes = Array(payload.utf8)
        }
        if contentEncoding == "gzip" { bytes = try Self.gunzip(bytes) }
        guard contentType == "application/x-protobuf" else {
            throw DecodingError("unsupported content-type \(contentType)")
        }
        protobuf = bytes
        request = try DecodedRequest(protobuf: bytes)
    }

    /// The otlp-stdout object inside a line, unwrapping Lambda's JSON log format and text prefixes.
    static func envelope(_ text: String) -> JSONObject? {
        guard let brace = text.utf8.firstIndex(of: UInt8(ascii: "{")) else { return nil }
        guard let value = try? JSONValue(parsing: Array(text.utf8[brace...])), case .object(let object) = value else {
            return nil
        }
        if object["__otel_otlp_stdout"] != nil { return object }
        switch object["message"] {
        case .string(let inner)?: return envelope(inner)
        case .object(let inner)? where inner["__otel_otlp_stdout"] != nil: return inner
        default: return nil
        }
    }

    /// Whether a line looks like an otlp-stdout line (it has the marker key), without decoding the payload.
    public static func isOtlpStdoutLine(_ text: String) -> Bool {
        text.contains("__otel_otlp_stdout") && envelope(text) != nil
    }

    static func base64Decode(_ s: String) -> [UInt8]? {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        let input = Array(s.utf8)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var i = 0
        while i < input.count {
            let c0 = input[i], c1 = input[i + 1], c2 = input[i + 2], c3 = input[i + 3]
            let last = i + 4 == input.count
            let v0 = table[Int(c0)], v1 = table[Int(c1)]
            guard v0 != 0xFF, v1 != 0xFF else { return nil }
            out.append(v0 << 2 | v1 >> 4)
            if c2 == UInt8(ascii: "=") {
                guard last, c3 == UInt8(ascii: "=") else { return nil }
                break
            }
            let v2 = table[Int(c2)]
            guard v2 != 0xFF else { return nil }
            out.append(v1 << 4 | v2 >> 2)
            if c3 == UInt8(ascii: "=") {
                guard last else { return nil }
                break
            }
            let v3 = table[Int(c3)]
            guard v3 != 0xFF else { return nil }
            out.append(v2 << 6 | v3)
            i += 4
        }
        return out
    }

    /// Decompresses one gzip member.
    public static func gunzip(_ input: [UInt8]) throws(DecodingError) -> [UInt8] {
        var stream = z_stream()
        guard czlib_inflate_init_gzip(&stream) == Z_OK else { throw DecodingError("zlib inflateInit failed") }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(1024, input.count * 8))
        var produced = 0
        var status: Int32 = Z_OK
        var input = input
        input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            while status == Z_OK {
                if produced == output.count { output.append(contentsOf: [UInt8](repeating: 0, count: output.count)) }
                output.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress! + produced
                    stream.avail_out = uInt(outBuffer.count - produced)
                    status = inflate(&stream, Z_NO_FLUSH)
                    produced = outBuffer.count - Int(stream.avail_out)
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
                if status == Z_BUF_ERROR { status = Z_OK }
            }
        }
        guard status == Z_STREAM_END else { throw DecodingError("gzip data is truncated or corrupt (zlib status \(status))") }
        return Array(output[0..<produced])
    }
}
