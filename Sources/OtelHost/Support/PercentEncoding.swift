/// Percent-encoding (RFC 3986) for query strings and OpenTelemetry's environment variables.
package enum PercentEncoding {
    /// Decodes `%XX` escapes; `nil` when an escape is malformed. `+` is left as it is.
    package static func decode(_ string: String) -> String? {
        guard string.utf8.contains(UInt8(ascii: "%")) else { return string }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(string.utf8.count)
        var iterator = string.utf8.makeIterator()
        while let c = iterator.next() {
            if c == UInt8(ascii: "%") {
                guard let h = iterator.next().flatMap({ Hex.nibble($0) }), let l = iterator.next().flatMap({ Hex.nibble($0) }) else {
                    return nil
                }
                bytes.append(h << 4 | l)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes every byte except the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
    package static func encode(_ string: String) -> String {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        for c in string.utf8 {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(c)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
