package import NIOCore
package import NIOHTTP1
import NIOPosix

/// An HTTP response from a local API (Runtime API, Extensions API).
package struct HTTPClientResponse: Sendable {
    package var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer?

    package var bodyBytes: [UInt8] {
        guard var body else { return [] }
        return body.readBytes(length: body.readableBytes) ?? []
    }

    /// A header value, whatever the case of the name.
    package func header(_ name: String) -> String? { headers.first(name: name) }
}

/// Why a request to a local API failed.
struct HTTPConnectionError: Error, CustomStringConvertible {
    let message: String
    /// The connection closed before any response arrived, so the request can be retried on a new connection.
    let closedBeforeResponse: Bool

    var description: String { message }

    static let closed = HTTPConnectionError(
        message: "the connection closed before a response arrived", closedBeforeResponse: true)
}

/// One persistent HTTP/1.1 keep-alive connection to a local API, reconnecting when the server closes it.
///
/// Requests may be issued from several tasks; they are pipelined on the one connection in order.
package actor HTTPClientConnection {
    let host: String
    let port: Int
    let group: any EventLoopGroup
    let connectTimeout: TimeAmount
    private var channel: (any Channel)?

    package init(host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
         connectTimeout: TimeAmount = .seconds(2)) {
        self.host = host
        self.port = port
        self.group = group
        self.connectTimeout = connectTimeout
    }

    /// Sends a request and waits for its whole response.
    ///
    /// A request that finds the connection closed by the server (keep-alive ended) is sent once more on a new
    /// connection.
    package func request(
        _ method: HTTPMethod,
        _ path: String,
        headers: [(String, String)] = [],
        body: ByteBuffer? = nil
    ) async throws -> HTTPClientResponse {
        var attempt = 0
        while true {
            attempt += 1
            let channel = try await connectedChannel()
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
            head.headers.add(name: "host", value: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
            head.headers.add(name: "user-agent", value: "lambda-otel-lite/\(LibraryInfo.version)")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            head.headers.add(name: "content-length", value: String(body?.readableBytes ?? 0))
            let promise = channel.eventLoop.makePromise(of: ReceivedResponse.self)
            channel.writeAndFlush(OutgoingRequest(head: head, body: body, promise: promise)).whenFailure { error in
                promise.fail(error)
            }
            do {
                // A cancelled request closes its connection, which fails the request at once: a long-poll
                // (`event/next`) never outlives the task that made it.
                let received = try await withTaskCancellationHandler {
                    try await promise.futureResult.get()
                } onCancel: {
                    channel.close(promise: nil)
                }
                if !received.keepAlive {
                    channel.close(promise: nil)
                    if self.channel === channel { self.channel = nil }
                }
                return received.response
            } catch {
                if self.channel === channel { self.channel = nil }
                channel.close(promise: nil)
                let retryable = (error as? HTTPConnectionError)?.closedBeforeResponse == true
                    || error is ChannelError
                if retryable && attempt < 2 && !Task.isCancelled { continue }
                throw error
            }
        }
    }

    /// Closes the connection.
    package func close() async {
        if let channel {
            self.channel = nil
            try? await channel.close()
        }
    }

    private func connectedChannel() async throws -> any Channel {
        if let channel, channel.isActive { return channel }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        NIOHTTPClientResponseAggregator(maxContentLength: 16 * 1024 * 1024))
                    try channel.pipeline.syncOperations.addHandler(HTTPClientHandler())
                }
            }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        self.channel = channel
        return channel
    }
}

struct OutgoingRequest: Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer?
    let promise: EventLoopPromise<ReceivedResponse>
}

/// A response read on the connection's event loop: the caller's task gets plain values, not the decoder's
/// response head.
struct ReceivedResponse: Sendable {
    let response: HTTPClientResponse
    let keepAlive: Bool
}

/// Matches responses to requests in order; fails what is pending when the connection goes away.
final class HTTPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = NIOHTTPClientResponseFull
    typealias OutboundIn = OutgoingRequest
    typealias OutboundOut = HTTPClientRequestPart

    private var pending = CircularBuffer<EventLoopPromise<ReceivedResponse>>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        pending.append(request.promise)
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let body = request.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let full = unwrapInboundIn(data)
        guard let promise = pending.popFirst() else { return }
        promise.succeed(ReceivedResponse(
            response: HTTPClientResponse(status: Int(full.head.status.code), headers: full.head.headers, body: full.body),
            keepAlive: full.head.isKeepAlive))
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(HTTPConnectionError.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        while let promise = pending.popFirst() { promise.fail(error) }
    }
}

/// Where a local API lives: `AWS_LAMBDA_RUNTIME_API` as `host:port` (AWS) or `http://host:port/prefix`
/// (third-party emulators).
package struct RuntimeAPIAddress: Sendable, Hashable {
    package var host: String
    package var port: Int
    package var pathPrefix: String

    package init(host: String, port: Int, pathPrefix: String = "") {
        self.host = host
        self.port = port
        self.pathPrefix = pathPrefix
    }

    /// Parses the variable; `nil` when it is not an address.
    package init?(parsing raw: String) {
        var rest = Substring(raw.trimmingASCIIWhitespace())
        if rest.lowercased().hasPrefix("http://") { rest = rest.dropFirst(7) }
        var prefix = ""
        if let slash = rest.firstIndex(of: "/") {
            prefix = String(rest[slash...])
            rest = rest[..<slash]
            while prefix.hasSuffix("/") { prefix.removeLast() }
        }
        let host: Substring
        let portText: Substring
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
            let afterClose = rest[rest.index(after: close)...]
            guard afterClose.hasPrefix(":") else { return nil }
            portText = afterClose.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { return nil }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else { return nil }
        self.init(host: String(host), port: port, pathPrefix: prefix)
    }
}
