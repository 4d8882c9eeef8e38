import CZlib

/// A gzip compressor on the system zlib that keeps its deflate state between calls.
///
/// Two deflate streams, each made once and reset per call, so compressing a batch never pays for zlib's setup:
/// a small one (a 4 KB window and hash table, about 32 KB in all) for inputs that fit its window, which covers
/// a typical invocation's batch and stays in cache between invocations; and zlib's default one (a 32 KB window,
/// about 256 KB), made on first need, for larger inputs. An input no larger than the window compresses as well
/// with the small stream as with the large one: every earlier byte is within reach.
/// Not thread-safe: the exporter serialises its use.
final class GzipCompressor {
    /// One deflate stream of a fixed size.
    private final class Stream {
        var stream = z_stream()
        let initialised: Bool

        init(level: Int32, windowBits: Int32, memLevel: Int32) {
            stream.zalloc = nil
            stream.zfree = nil
            stream.opaque = nil
            initialised = czlib_deflate_init_gzip(&stream, level, windowBits, memLevel) == Z_OK
        }

        deinit {
            if initialised { deflateEnd(&stream) }
        }
    }

    /// The largest input the small stream takes: its window.
    static let smallWindowBytes = 1 << 12

    let level: Int32
    private let small: Stream
    private var large: Stream?
    private var output: UnsafeMutableRawBufferPointer

    init(level: Int) {
        self.level = Int32(level)
        output = .allocate(byteCount: 64 * 1024, alignment: 16)
        small = Stream(level: self.level, windowBits: 12, memLevel: 5)
    }

    deinit {
        output.deallocate()
    }

    /// Compresses `input` into one gzip member; the result is valid until the next call.
    func compress(_ input: UnsafeRawBufferPointer) throws(ExportFailure) -> UnsafeRawBufferPointer {
        let deflater: Stream
        if input.count <= Self.smallWindowBytes {
            deflater = small
        } else if let large {
            deflater = large
        } else {
            let made = Stream(level: level, windowBits: 15, memLevel: 8)
            large = made
            deflater = made
        }
        guard deflater.initialised else { throw ExportFailure("zlib could not be initialised") }
        guard deflateReset(&deflater.stream) == Z_OK else { throw ExportFailure("zlib deflateReset failed") }
        let bound = Int(deflateBound(&deflater.stream, uLong(input.count))) + 32
        if output.count < bound {
            output.deallocate()
            output = .allocate(byteCount: bound, alignment: 16)
        }
        guard let out = output.baseAddress else { throw ExportFailure("no output buffer") }
        deflater.stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        deflater.stream.avail_in = uInt(input.count)
        deflater.stream.next_out = out.assumingMemoryBound(to: Bytef.self)
        deflater.stream.avail_out = uInt(output.count)
        let status = deflate(&deflater.stream, Z_FINISH)
        guard status == Z_STREAM_END else { throw ExportFailure("zlib deflate failed with status \(status)") }
        return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(output)[0..<Int(deflater.stream.total_out)])
    }
}
