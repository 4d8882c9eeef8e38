/// Standard base64 (RFC 4648 alphabet, `=` padding, no line breaks), written straight into an output buffer.
enum Base64 {
    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    static func encodedCount(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Writes the encoding of `input` at `out`, which must hold ``encodedCount(_:)`` bytes; returns that count.
    @discardableResult
    static func encode(_ input: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) -> Int {
        let table = alphabet.utf8Start
        var i = 0, o = 0
        let n = input.count
        while i + 3 <= n {
            let b0 = UInt32(input[i]), b1 = UInt32(input[i + 1]), b2 = UInt32(input[i + 2])
            let v = b0 << 16 | b1 << 8 | b2
            out[o] = table[Int(v >> 18)]
            out[o + 1] = table[Int((v >> 12) & 63)]
            out[o + 2] = table[Int((v >> 6) & 63)]
            out[o + 3] = table[Int(v & 63)]
            i += 3
            o += 4
        }
        let rest = n - i
        if rest == 1 {
            let v = UInt32(input[i]) << 16
            out[o] = table[Int(v >> 18)]
            out[o + 1] = table[Int((v >> 12) & 63)]
            out[o + 2] = UInt8(ascii: "=")
            out[o + 3] = UInt8(ascii: "=")
            o += 4
        } else if rest == 2 {
            let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            out[o] = table[Int(v >> 18)]
            out[o + 1] = table[Int((v >> 12) & 63)]
            out[o + 2] = table[Int((v >> 6) & 63)]
            out[o + 3] = UInt8(ascii: "=")
            o += 4
        }
        return o
    }
}
