import CZlib

/// A gzip compressor on the system zlib that keeps its deflate state between calls.
///
/// zlib's window and hash tables (about 256 KB at the default memory level) are allocated once; each call
/// resets the stream instead of initialising a new one, so compressing a one-span batch does not pay for them.
/// Not thread-safe: the exporter serialises its use.
final class GzipCompressor {
    let level: Int32
    private var stream = z_stream()
    private var output: UnsafeMutableRawBufferPointer
    private var initialised = false

    init(level: Int) {
        self.level = Int32(level)
        output = .allocate(byteCount: 64 * 1024, alignment: 16)
        stream.zalloc = nil
        stream.zfree = nil
        stream.opaque = nil
        initialised = czlib_deflate_init_gzip(&stream, self.level) == Z_OK
    }

    deinit {
        if initialised { deflateEnd(&stream) }
        output.deallocate()
    }

    /// Compresses `input` into one gzip member; the result is valid until the next call.
    func compress(_ input: UnsafeRawBufferPointer) throws(ExportFailure) -> UnsafeRawBufferPointer {
        guard initialised else { throw ExportFailure("zlib could not be initialised") }
        guard deflateReset(&stream) == Z_OK else { throw ExportFailure("zlib deflateReset failed") }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 32
        if output.count < bound {
            output.deallocate()
            output = .allocate(byteCount: bound, alignment: 16)
        }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(output.count)
        let status = deflate(&stream, Z_FINISH)
        guard status == Z_STREAM_END else { throw ExportFailure("zlib deflate failed with status \(status)") }
        return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(output)[0..<Int(stream.total_out)])
    }
}
