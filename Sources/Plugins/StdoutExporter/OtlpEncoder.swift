public import OtelHost
import Tracing
import W3CTraceContext

/// A byte buffer written from its end towards its start.
///
/// Protobuf puts each nested message's length before its content. Writing backwards, the content is written
/// first, so its length is known when the prefix is written: one pass, no size pre-computation, no copies. The
/// fields are written in reverse order, so the bytes read forwards in ascending field order. The memory is kept
/// between exports.
final class ReverseBuffer {
    private(set) var storage: UnsafeMutableRawBufferPointer
    private(set) var position: Int

    init(capacity: Int = 64 * 1024) {
        storage = .allocate(byteCount: capacity, alignment: 16)
        position = capacity
    }

    deinit { storage.deallocate() }

    var count: Int { storage.count - position }

    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[position...])
    }

    func reset() { position = storage.count }

    @inline(__always)
    func reserve(_ n: Int) {
        if position < n { grow(n) }
    }

    private func grow(_ n: Int) {
        let used = count
        var capacity = storage.count * 2
        while capacity - used < n { capacity *= 2 }
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        if used > 0 {
            (bigger.baseAddress! + (capacity - used)).copyMemory(from: storage.baseAddress! + position, byteCount: used)
        }
        storage.deallocate()
        storage = bigger
        position = capacity - used
    }

    @inline(__always)
    func writeByte(_ byte: UInt8) {
        reserve(1)
        position -= 1
        storage[position] = byte
    }

    @inline(__always)
    func writeVarint(_ value: UInt64) {
        var n = 1
        var v = value >> 7
        while v != 0 {
            n += 1
            v >>= 7
        }
        reserve(n)
        position -= n
        var p = position
        var rest = value
        while rest >= 0x80 {
            storage[p] = UInt8(truncatingIfNeeded: rest) | 0x80
            rest >>= 7
            p += 1
        }
        storage[p] = UInt8(truncatingIfNeeded: rest)
    }

    @inline(__always)
    func writeTag(_ field: UInt32, _ wireType: UInt32) {
        writeVarint(UInt64(field << 3 | wireType))
    }

    func writeRaw(_ source: UnsafeRawBufferPointer) {
        guard source.count > 0 else { return }
        reserve(source.count)
        position -= source.count
        (storage.baseAddress! + position).copyMemory(from: source.baseAddress!, byteCount: source.count)
    }

    @inline(__always)
    func writeFixed64(_ value: UInt64) {
        reserve(8)
        position -= 8
        storage.storeBytes(of: value.littleEndian, toByteOffset: position, as: UInt64.self)
    }

    @inline(__always)
    func writeFixed32(_ value: UInt32) {
        reserve(4)
        position -= 4
        storage.storeBytes(of: value.littleEndian, toByteOffset: position, as: UInt32.self)
    }

    // MARK: fields

    /// A length-delimited field whose content `body` writes (backwards).
    @inline(__always)
    func message(_ field: UInt32, _ body: () -> Void) {
        let end = count
        body()
        writeVarint(UInt64(count - end))
        writeTag(field, 2)
    }

    func stringField(_ field: UInt32, _ value: String) {
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            writeRaw(UnsafeRawBufferPointer(utf8))
            writeVarint(UInt64(utf8.count))
        }
        if done == nil {
            var contiguous = value
            contiguous.makeContiguousUTF8()
            contiguous.utf8.withContiguousStorageIfAvailable { utf8 in
                writeRaw(UnsafeRawBufferPointer(utf8))
                writeVarint(UInt64(utf8.count))
            }
        }
        writeTag(field, 2)
    }

    func bytesField<T>(_ field: UInt32, of value: T) {
        withUnsafeBytes(of: value) { raw in
            writeRaw(raw)
            writeVarint(UInt64(raw.count))
        }
        writeTag(field, 2)
    }

    func varintField(_ field: UInt32, _ value: UInt64) {
        writeVarint(value)
        writeTag(field, 0)
    }

    func fixed64Field(_ field: UInt32, _ value: UInt64) {
        writeFixed64(value)
        writeTag(field, 1)
    }

    func fixed32Field(_ field: UInt32, _ value: UInt32) {
        writeFixed32(value)
        writeTag(field, 5)
    }
}

/// Encodes spans as an OTLP `ExportTraceServiceRequest` in protobuf binary form.
///
/// Field numbers follow `opentelemetry/proto/trace/v1/trace.proto` and `common/v1/common.proto`. Spans are
/// grouped by resource, then by instrumentation scope, in the order each first appears.
enum OtlpEncoder {
    /// Encodes `spans` into `buffer` (which is reset first).
    static func encode(_ spans: ArraySlice<FinishedSpan>, into buffer: ReverseBuffer) {
        buffer.reset()
        guard let first = spans.first else { return }
        let uniform = spans.allSatisfy { $0.resource === first.resource && $0.scope === first.scope }
        if uniform {
            writeResourceSpans(resource: first.resource, scopes: [(first.scope, Array(spans.indices))], spans, buffer)
            return
        }
        // Group by resource, then scope, keeping first-appearance order.
        var resources: [(OtelResource, [(InstrumentationScope, [Int])])] = []
        for index in spans.indices {
            let span = spans[index]
            if let r = resources.firstIndex(where: { $0.0 === span.resource }) {
                if let s = resources[r].1.firstIndex(where: { $0.0 === span.scope }) {
                    resources[r].1[s].1.append(index)
                } else {
                    resources[r].1.append((span.scope, [index]))
                }
            } else {
                resources.append((span.resource, [(span.scope, [index])]))
            }
        }
        for (resource, scopes) in resources.reversed() {
            writeResourceSpans(resource: resource, scopes: scopes, spans, buffer)
        }
    }

    private static func writeResourceSpans(
        resource: OtelResource,
        scopes: [(InstrumentationScope, [Int])],
        _ spans: ArraySlice<FinishedSpan>,
        _ buffer: ReverseBuffer
    ) {
        // ExportTraceServiceRequest.resource_spans = 1
        buffer.message(1) {
            // ResourceSpans.scope_spans = 2
            for (scope, indices) in scopes.reversed() {
                buffer.message(2) {
                    // ScopeSpans.spans = 2
                    for index in indices.reversed() {
                        buffer.message(2) { writeSpan(spans[index], buffer) }
                    }
                    // ScopeSpans.scope = 1: InstrumentationScope { name 1, version 2, attributes 3 }
                    buffer.message(1) {
                        writeAttributes(3, scope.attributes, buffer)
                        if !scope.version.isEmpty { buffer.stringField(2, scope.version) }
                        buffer.stringField(1, scope.name)
                    }
                }
            }
            // ResourceSpans.resource = 1: Resource { attributes 1 }
            buffer.message(1) { writeAttributes(1, resource.attributes, buffer) }
        }
    }

    static func writeSpan(_ span: FinishedSpan, _ buffer: ReverseBuffer) {
        buffer.fixed32Field(16, span.otlpFlags)
        if let status = span.status {
            // Status { message 2, code 3 }: OK = 1, ERROR = 2
            buffer.message(15) {
                buffer.varintField(3, status.code == .ok ? 1 : 2)
                if let message = status.message, !message.isEmpty { buffer.stringField(2, message) }
            }
        }
        if span.droppedLinksCount > 0 { buffer.varintField(14, UInt64(span.droppedLinksCount)) }
        for link in span.links.reversed() {
            // Link { trace_id 1, span_id 2, trace_state 3, attributes 4, dropped_attributes_count 5, flags 6 }
            buffer.message(13) {
                var flags = UInt32(link.context.flags.rawValue) | 0x100
                if link.context.isRemote { flags |= 0x200 }
                buffer.fixed32Field(6, flags)
                if link.droppedAttributesCount > 0 { buffer.varintField(5, UInt64(link.droppedAttributesCount)) }
                writeAttributes(4, link.attributes, buffer)
                if !link.context.traceState.isEmpty { buffer.stringField(3, link.context.traceState) }
                buffer.bytesField(2, of: link.context.spanID.bytes)
                buffer.bytesField(1, of: link.context.traceID.bytes)
            }
        }
        if span.droppedEventsCount > 0 { buffer.varintField(12, UInt64(span.droppedEventsCount)) }
        for event in span.events.reversed() {
            // Event { time_unix_nano 1, name 2, attributes 3, dropped_attributes_count 4 }
            buffer.message(11) {
                if event.droppedAttributesCount > 0 { buffer.varintField(4, UInt64(event.droppedAttributesCount)) }
                writeAttributes(3, event.attributes, buffer)
                buffer.stringField(2, event.name)
                buffer.fixed64Field(1, event.timeUnixNano)
            }
        }
        if span.droppedAttributesCount > 0 { buffer.varintField(10, UInt64(span.droppedAttributesCount)) }
        writeAttributes(9, span.attributeList, buffer)
        buffer.fixed64Field(8, span.endTimeUnixNano)
        buffer.fixed64Field(7, span.startTimeUnixNano)
        buffer.varintField(6, kindNumber(span.kind))
        buffer.stringField(5, span.name)
        if let parent = span.parentSpanID { buffer.bytesField(4, of: parent.bytes) }
        if !span.context.traceState.isEmpty { buffer.stringField(3, span.context.traceState) }
        buffer.bytesField(2, of: span.context.spanID.bytes)
        buffer.bytesField(1, of: span.context.traceID.bytes)
    }

    static func kindNumber(_ kind: SpanKind) -> UInt64 {
        switch kind {
        case .internal: return 1
        case .server: return 2
        case .client: return 3
        case .producer: return 4
        case .consumer: return 5
        }
    }

    /// Writes each attribute as a repeated `KeyValue { key 1, value 2 }` field.
    static func writeAttributes(_ field: UInt32, _ attributes: SpanAttributes, _ buffer: ReverseBuffer) {
        attributes.forEach { key, value in
            buffer.message(field) {
                buffer.message(2) { writeAnyValue(value, buffer) }
                buffer.stringField(1, key)
            }
        }
    }

    /// A span's attributes, written so that they decode in the order they were set.
    static func writeAttributes(_ field: UInt32, _ attributes: AttributeList, _ buffer: ReverseBuffer) {
        // Read in place: no copy (and no retain) of each key and value.
        attributes.entries.withUnsafeBufferPointer { entries in
            for index in entries.indices.reversed() {
                buffer.message(field) {
                    buffer.message(2) { writeValue(entries[index].value, buffer) }
                    buffer.stringField(1, entries[index].key)
                }
            }
        }
    }

    /// The content of an `AnyValue` for a value of a span's attribute list.
    static func writeValue(_ value: AttributeList.Value, _ buffer: ReverseBuffer) {
        switch value {
        case .string(let s): buffer.stringField(1, s)
        case .bool(let b): buffer.varintField(2, b ? 1 : 0)
        case .int64(let i): buffer.varintField(3, UInt64(bitPattern: i))
        case .double(let d): buffer.fixed64Field(4, d.bitPattern)
        case .other(let attribute): writeAnyValue(attribute, buffer)
        }
    }

    /// The content of an `AnyValue`: string 1, bool 2, int 3, double 4, array 5.
    static func writeAnyValue(_ value: SpanAttribute, _ buffer: ReverseBuffer) {
        switch value {
        case .string(let s):
            buffer.stringField(1, s)
        case .bool(let b):
            buffer.varintField(2, b ? 1 : 0)
        case .int64(let i):
            buffer.varintField(3, UInt64(bitPattern: i))
        case .int32(let i):
            buffer.varintField(3, UInt64(bitPattern: Int64(i)))
        case .double(let d):
            buffer.fixed64Field(4, d.bitPattern)
        case .stringConvertible(let c):
            buffer.stringField(1, String(describing: c))
        case .stringArray(let values):
            writeArray(values.count, buffer) { buffer.stringField(1, values[$0]) }
        case .int64Array(let values):
            writeArray(values.count, buffer) { buffer.varintField(3, UInt64(bitPattern: values[$0])) }
        case .int32Array(let values):
            writeArray(values.count, buffer) { buffer.varintField(3, UInt64(bitPattern: Int64(values[$0]))) }
        case .doubleArray(let values):
            writeArray(values.count, buffer) { buffer.fixed64Field(4, values[$0].bitPattern) }
        case .boolArray(let values):
            writeArray(values.count, buffer) { buffer.varintField(2, values[$0] ? 1 : 0) }
        case .stringConvertibleArray(let values):
            writeArray(values.count, buffer) { buffer.stringField(1, String(describing: values[$0])) }
        default:
            // A case added to SpanAttribute after this encoder was written: keep its text.
            buffer.stringField(1, String(describing: value))
        }
    }

    /// `array_value = 5`: `ArrayValue { values 1 }`, each element an `AnyValue` whose content `element` writes.
    private static func writeArray(_ count: Int, _ buffer: ReverseBuffer, _ element: (Int) -> Void) {
        buffer.message(5) {
            for i in stride(from: count - 1, through: 0, by: -1) {
                buffer.message(1) { element(i) }
            }
        }
    }
}

/// The OTLP protobuf encoding, on its own: for exporters that send the same request elsewhere (an OTLP/HTTP
/// endpoint), and for measuring the encoder apart from gzip.
public enum OtlpProtobuf {
    /// Encodes spans as an OTLP `ExportTraceServiceRequest`, grouped by resource and then scope.
    ///
    /// - Parameter spans: The spans.
    /// - Returns: The protobuf bytes.
    public static func encode(_ spans: [FinishedSpan]) -> [UInt8] {
        let buffer = ReverseBuffer()
        OtlpEncoder.encode(spans[...], into: buffer)
        return Array(buffer.bytes)
    }

    /// Encodes spans into a buffer the caller keeps between calls, and passes the bytes to `body`; nothing is
    /// allocated once the buffer has grown to the largest request.
    ///
    /// - Parameters:
    ///   - spans: The spans.
    ///   - encoder: The reusable buffer.
    ///   - body: Reads the bytes; they are valid only during the call.
    public static func encode<R>(
        _ spans: [FinishedSpan], reusing encoder: Encoder, _ body: (UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        OtlpEncoder.encode(spans[...], into: encoder.buffer)
        return try body(encoder.buffer.bytes)
    }

    /// A reusable encoding buffer. Not thread-safe: use one per task.
    public final class Encoder {
        let buffer = ReverseBuffer()

        /// Creates a buffer.
        public init() {}
    }
}
