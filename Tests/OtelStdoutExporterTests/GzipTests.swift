import CZlib
import OtelHostTesting
import OtlpStdoutDecoding
import Testing

@testable import OtelStdoutExporter

/// Bytes shaped like an OTLP payload: repeated keys and ids with varying values, so deflate finds matches.
func payloadLike(_ count: Int) -> [UInt8] {
    var generator = SeededGenerator(seed: UInt64(count))
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    let keys = ["faas.invocation_id", "cloud.region", "http.response.status_code", "service.name", "aws.lambda"]
    while bytes.count < count {
        bytes += Array(keys[Int(generator.next() % UInt64(keys.count))].utf8)
        for _ in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
    }
    return Array(bytes.prefix(count))
}

/// The size zlib's default stream (32 KB window, memory level 8) makes of `input` at `level`.
func defaultStreamSize(_ input: [UInt8], level: Int32) -> Int? {
    var stream = z_stream()
    guard czlib_deflate_init_gzip(&stream, level, 15, 8) == Z_OK else { return nil }
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
    var input = input
    let status = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            stream.next_out = outBuffer.baseAddress
            stream.avail_out = uInt(outBuffer.count)
            return deflate(&stream, Z_FINISH)
        }
    }
    return status == Z_STREAM_END ? Int(stream.total_out) : nil
}

struct GzipTests {
    @Test func everySizeRoundTripsThroughOneCompressorInAnyOrder() throws {
        let compressor = GzipCompressor(level: 6)
        for size in [0, 1, 1349, 4096, 4097, 200_000, 10, 4096, 70_000, 3000] {
            let input = payloadLike(size)
            let compressed = try input.withUnsafeBytes { try Array(compressor.compress($0)) }
            #expect(Array(compressed.prefix(2)) == [0x1F, 0x8B], "a gzip member")
            #expect(try OtlpStdoutLine.gunzip(compressed) == input, "size \(size)")
        }
    }

    @Test func anInputWithinTheSmallWindowCompressesAsWellAsWithZlibsDefaultStream() throws {
        let compressor = GzipCompressor(level: 6)
        for size in [300, 1349, 2500, GzipCompressor.smallWindowBytes] {
            let input = payloadLike(size)
            let small = try input.withUnsafeBytes { try compressor.compress($0).count }
            let reference = try #require(defaultStreamSize(input, level: 6))
            // The same matches are in reach; a smaller hash table may miss a few.
            #expect(Double(small) <= Double(reference) * 1.02 + 8, "size \(size): \(small) vs \(reference)")
        }
    }
}
