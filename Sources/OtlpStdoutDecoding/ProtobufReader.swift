/// Why a payload could not be decoded.
public struct DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public let message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// A forward protobuf reader over a byte array.
struct ProtobufReader {
    let bytes: [UInt8]
    var index: Int
    let end: Int

    init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        index = range?.lowerBound ?? 0
        end = range?.upperBound ?? bytes.count
    }

    var isAtEnd: Bool { index >= end }

    mutating func varint() throws(DecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < end else { throw DecodingError("truncated varint") }
            let byte = bytes[index]
            index += 1
            guard shift < 64 else { throw DecodingError("varint too long") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func fixed64() throws(DecodingError) -> UInt64 {
        guard index + 8 <= end else { throw DecodingError("truncated fixed64") }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[index + i]) << (8 * UInt64(i)) }
        index += 8
        return value
    }

    mutating func fixed32() throws(DecodingError) -> UInt32 {
        guard index + 4 <= end else { throw DecodingError("truncated fixed32") }
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(bytes[index + i]) << (8 * UInt32(i)) }
        index += 4
        return value
    }

    /// The range of the next length-delimited field.
    mutating func lengthDelimited() throws(DecodingError) -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - index) else { throw DecodingError("length-delimited field past the end") }
        let range = index..<(index + Int(length))
        index += Int(length)
        return range
    }

    mutating func string() throws(DecodingError) -> String {
        let range = try lengthDelimited()
        return String(decoding: bytes[range], as: UTF8.self)
    }

    mutating func tag() throws(DecodingError) -> (field: UInt64, wireType: UInt64) {
        let key = try varint()
        return (key >> 3, key & 7)
    }

    mutating func skip(_ wireType: UInt64) throws(DecodingError) {
        switch wireType {
        case 0: _ = try varint()
        case 1: _ = try fixed64()
        case 2: _ = try lengthDelimited()
        case 5: _ = try fixed32()
        default: throw DecodingError("unsupported wire type \(wireType)")
        }
    }

    func sub(_ range: Range<Int>) -> ProtobufReader {
        ProtobufReader(bytes, range: range)
    }

    /// The next length-delimited field, as a reader of the message it holds.
    mutating func message() throws(DecodingError) -> ProtobufReader {
        sub(try lengthDelimited())
    }

    /// Reads every field of this message in order. `read` is handed each field's number and wire type with the
    /// reader just after the tag; it reads the value of a field it knows and returns `false` for one it does not,
    /// which is then skipped.
    func forEachField(
        _ read: (_ field: UInt64, _ wireType: UInt64, _ reader: inout ProtobufReader) throws(DecodingError) -> Bool
    ) throws(DecodingError) {
        var reader = self
        while !reader.isAtEnd {
            let (field, wireType) = try reader.tag()
            if try !read(field, wireType, &reader) { try reader.skip(wireType) }
        }
    }

    /// The messages of a repeated message field, each decoded by `decode`; every other field is skipped.
    func repeatedMessages<Element>(
        field number: UInt64, _ decode: (ProtobufReader) throws(DecodingError) -> Element
    ) throws(DecodingError) -> [Element] {
        var elements: [Element] = []
        try forEachField { field, wireType, reader throws(DecodingError) in
            guard field == number && wireType == 2 else { return false }
            elements.append(try decode(try reader.message()))
            return true
        }
        return elements
    }
}
