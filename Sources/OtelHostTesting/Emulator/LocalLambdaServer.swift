import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import OtelHost

/// An in-process Lambda: the Runtime API and the Extensions API, plus `POST /invoke` to send an event and get
/// the function's response, as on AWS.
///
/// Point a function at it with `AWS_LAMBDA_RUNTIME_API` set to ``runtimeAPI``. Like Lambda, it hands out the next invocation only when the runtime asked for it and every registered extension is waiting
/// in `event/next`, so the `sync`, `async` and `finalize` modes all run locally as they do on AWS.
public final class LocalLambdaServer: Sendable {
    /// Behaviours of other Lambda emulators that the server can copy, to test against them.
    public struct Quirks: OptionSet, Sendable {
        /// The raw value.
        public let rawValue: Int
        /// Creates quirks from a raw value.
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// Close every connection after its response, ignoring keep-alive.
        public static let closeConnectionAfterResponse = Quirks(rawValue: 1 << 0)
        /// Send every response header name in lower case.
        public static let lowercaseHeaderNames = Quirks(rawValue: 1 << 1)
        /// Answer `event/next` with 500 for an extension registered with no events.
        public static let failEventNextWithoutEvents = Quirks(rawValue: 1 << 2)
        /// Refuse extension registrations with 403.
        public static let refuseExtensionRegistration = Quirks(rawValue: 1 << 3)
        /// Answer the first three `GET next` calls with 500, as a Runtime API in trouble would.
        public static let failFirstNextCalls = Quirks(rawValue: 1 << 4)
        /// Answer every Runtime API call 200 ms late.
        public static let slowRuntimeAPI = Quirks(rawValue: 1 << 5)
    }

    /// The bound host.
    public let host: String
    /// The bound port (the real one when started on port 0).
    public let port: Int
    /// The path that takes events.
    public let invocationEndpoint: String
    /// The value to give `AWS_LAMBDA_RUNTIME_API`.
    public var runtimeAPI: String { "\(host):\(port)" }

    private let channel: any Channel
    let state: NIOLockedValueBox<LocalLambdaState>

    private init(host: String, port: Int, invocationEndpoint: String, channel: any Channel,
                 state: NIOLockedValueBox<LocalLambdaState>) {
        self.host = host
        self.port = port
        self.invocationEndpoint = invocationEndpoint
        self.channel = channel
        self.state = state
    }

    /// Starts the server.
    ///
    /// - Parameters:
    ///   - host: The address to bind.
    ///   - port: The port; 0 picks a free one.
    ///   - invocationEndpoint: The path that takes events.
    ///   - functionName: The function name in the ARN given to each invocation.
    ///   - timeoutMs: The invocation timeout, which sets each deadline.
    ///   - quirks: Behaviours of other emulators to copy.
    ///   - region: The region in the function ARN; `AWS_REGION`, else `us-east-1`, by default.
    ///   - maxConcurrency: How many invocations may run at once: above 1 the server behaves as Lambda Managed
    ///     Instances do — several runtime workers wait in `next` at once, extensions cannot register for INVOKE
    ///     events and never hold an invocation back.
    ///   - extensionEventDelayMs: How long INVOKE events take to reach extensions after the runtime has the
    ///     invocation (on AWS the two are not simultaneous either).
    public static func start(
        host: String = "127.0.0.1",
        port: Int = 7000,
        invocationEndpoint: String = "/invoke",
        functionName: String = "local-function",
        timeoutMs: UInt64 = 60_000,
        quirks: Quirks = [],
        region: String? = nil,
        maxConcurrency: Int = 1,
        extensionEventDelayMs: Int64 = 0
    ) async throws -> LocalLambdaServer {
        var initial = LocalLambdaState(functionName: functionName, timeoutMs: timeoutMs)
        initial.extensionEventDelayMs = extensionEventDelayMs
        initial.region = region ?? ProcessEnvironment.value("AWS_REGION") ?? "us-east-1"
        initial.maxConcurrency = max(1, maxConcurrency)
        let state = NIOLockedValueBox(initial)
        let endpoint = invocationEndpoint.hasPrefix("/") ? invocationEndpoint : "/" + invocationEndpoint
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        NIOHTTPServerRequestAggregator(maxContentLength: 16 * 1024 * 1024))
                    try channel.pipeline.syncOperations.addHandler(
                        LocalLambdaHandler(state: state, invocationEndpoint: endpoint, quirks: quirks))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        let boundPort = channel.localAddress?.port ?? port
        return LocalLambdaServer(
            host: host, port: boundPort, invocationEndpoint: endpoint, channel: channel, state: state)
    }

    /// Stops accepting connections and answers waiting requests with 503.
    public func shutdown() async {
        let actions = state.withLockedValue { $0.shutdown() }
        actions.run()
        try? await channel.close()
    }

    /// How many extensions have registered.
    public var registeredExtensionCount: Int { state.withLockedValue { $0.extensions.count } }

    /// How many invocations have been handed to the function so far.
    public var dispatchedInvocationCount: Int { state.withLockedValue { $0.dispatched } }

    /// How many invocations ran at the same time, at most, so far.
    public var peakConcurrentInvocations: Int { state.withLockedValue { $0.peakInFlight } }

    /// How many `event/next` requests extensions have made.
    public var extensionNextCount: Int { state.withLockedValue { $0.extensionNextCount } }
}

/// A response the server will send.
struct LocalResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: [(String, String)] = []
    var body: [UInt8] = []
}

/// Work to do once the lock is released: complete waiting requests.
struct PendingActions {
    var completions: [(EventLoopPromise<LocalResponse>, LocalResponse, delayMs: Int64)] = []

    mutating func answer(_ promise: EventLoopPromise<LocalResponse>, _ response: LocalResponse, delayMs: Int64 = 0) {
        completions.append((promise, response, delayMs))
    }

    func run() {
        for (promise, response, delayMs) in completions {
            if delayMs > 0 {
                promise.futureResult.eventLoop.scheduleTask(in: .milliseconds(delayMs)) { promise.succeed(response) }
            } else {
                promise.succeed(response)
            }
        }
    }
}

/// The server's state; always used under its lock.
struct LocalLambdaState: Sendable {
    struct Invocation: Sendable {
        var requestID: String
        var body: [UInt8]
        var deadlineMs: UInt64
        var traceHeader: String
        var tenantID: String?
        var caller: EventLoopPromise<LocalResponse>
    }

    /// A runtime worker waiting in `next`, and the connection it waits on.
    struct RuntimeWaiter: Sendable {
        var promise: EventLoopPromise<LocalResponse>
        var connection: ObjectIdentifier
    }

    struct Extension: Sendable {
        var name: String
        var wantsInvoke: Bool
        /// Whether an invocation waits for this extension to be in `event/next`.
        var blocksInvocations: Bool
        var waiting: EventLoopPromise<LocalResponse>?
        var pendingEvents: [[UInt8]] = []
    }

    let functionName: String
    let timeoutMs: UInt64
    var queue: [Invocation] = []
    var runtimeWaiting: [RuntimeWaiter] = []
    var region = "us-east-1"
    var maxConcurrency = 1
    /// How many invocations ran at the same time, at most.
    var peakInFlight = 0
    var dispatched = 0

    /// Whether this server behaves as Lambda Managed Instances.
    var isManagedInstances: Bool { maxConcurrency > 1 }
    var inFlight: [String: Invocation] = [:]
    var extensions: [String: Extension] = [:]
    var initError: [UInt8]?
    var isShutdown = false
    var extensionNextCount = 0
    var runtimeNextCount = 0
    var extensionEventDelayMs: Int64 = 0

    init(functionName: String, timeoutMs: UInt64) {
        self.functionName = functionName
        self.timeoutMs = timeoutMs
    }

    var functionARN: String { "arn:aws:lambda:\(region):000000000000:function:\(functionName)" }

    /// A random version-4 UUID, as Lambda request ids are.
    mutating func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Starts invocations while a runtime worker waits and, on demand, every extension waits too; Managed
    /// Instances run up to `maxConcurrency` invocations at once and extensions never hold them back.
    mutating func pump(_ actions: inout PendingActions) {
        while !isShutdown, !runtimeWaiting.isEmpty, !queue.isEmpty, inFlight.count < maxConcurrency {
            if !isManagedInstances {
                guard extensions.values.allSatisfy({ $0.waiting != nil || !$0.blocksInvocations }) else { return }
            }
            start(queue.removeFirst(), runtime: runtimeWaiting.removeFirst().promise, &actions)
        }
    }

    private mutating func start(
        _ invocation: Invocation, runtime: EventLoopPromise<LocalResponse>, _ actions: inout PendingActions
    ) {
        inFlight[invocation.requestID] = invocation
        dispatched += 1
        peakInFlight = max(peakInFlight, inFlight.count)
        var headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", invocation.requestID),
            ("Lambda-Runtime-Deadline-Ms", String(invocation.deadlineMs)),
            ("Lambda-Runtime-Invoked-Function-Arn", functionARN),
            ("Lambda-Runtime-Trace-Id", invocation.traceHeader),
        ]
        if let tenant = invocation.tenantID { headers.append(("Lambda-Runtime-Aws-Tenant-Id", tenant)) }
        actions.answer(runtime, LocalResponse(status: .ok, headers: headers, body: invocation.body))
        let event = JSONValue.object(JSONObject([
            JSONMember("eventType", .string("INVOKE")),
            JSONMember("deadlineMs", .number(Double(invocation.deadlineMs))),
            JSONMember("requestId", .string(invocation.requestID)),
            JSONMember("invokedFunctionArn", .string(functionARN)),
            JSONMember("tracing", .object(JSONObject([
                JSONMember("type", .string("X-Amzn-Trace-Id")),
                JSONMember("value", .string(invocation.traceHeader)),
            ]))),
        ])).jsonString
        for (id, var ext) in extensions where ext.wantsInvoke {
            if let waiting = ext.waiting {
                ext.waiting = nil
                actions.answer(waiting, Self.eventResponse(Array(event.utf8)), delayMs: extensionEventDelayMs)
            } else {
                ext.pendingEvents.append(Array(event.utf8))
            }
            extensions[id] = ext
        }
    }

    static func eventResponse(_ body: [UInt8]) -> LocalResponse {
        LocalResponse(status: .ok, headers: [("Content-Type", "application/json")], body: body)
    }

    mutating func shutdown() -> PendingActions {
        var actions = PendingActions()
        isShutdown = true
        let gone = LocalResponse(status: .serviceUnavailable, body: Array(#"{"errorMessage":"shutting down"}"#.utf8))
        for runtime in runtimeWaiting { actions.answer(runtime.promise, gone) }
        runtimeWaiting.removeAll()
        for invocation in queue { actions.answer(invocation.caller, gone) }
        for invocation in inFlight.values { actions.answer(invocation.caller, gone) }
        queue.removeAll()
        inFlight.removeAll()
        for (id, var ext) in extensions {
            if let waiting = ext.waiting { actions.answer(waiting, gone) }
            ext.waiting = nil
            extensions[id] = ext
        }
        return actions
    }
}

/// Routes one connection's requests.
final class LocalLambdaHandler: ChannelInboundHandler {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    let state: NIOLockedValueBox<LocalLambdaState>
    let invocationEndpoint: String
    /// The most the trace, tenant and request id headers given to `/invoke` may hold together.
    static let maxForwardedHeaderBytes = 16 * 1024
    let quirks: LocalLambdaServer.Quirks

    init(state: NIOLockedValueBox<LocalLambdaState>, invocationEndpoint: String, quirks: LocalLambdaServer.Quirks) {
        self.state = state
        self.invocationEndpoint = invocationEndpoint
        self.quirks = quirks
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = unwrapInboundIn(data)
        let promise = context.eventLoop.makePromise(of: LocalResponse.self)
        let keepAlive = request.head.isKeepAlive && !quirks.contains(.closeConnectionAfterResponse)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { response in
            let (handler, context) = loopBound.value
            handler.write(response, keepAlive: keepAlive, context: context)
        }
        route(request, promise: promise, connection: ObjectIdentifier(context.channel))
    }

    private func write(_ response: LocalResponse, keepAlive: Bool, context: ChannelHandlerContext) {
        var head = HTTPResponseHead(version: .http1_1, status: response.status)
        let lowercase = quirks.contains(.lowercaseHeaderNames)
        for (name, value) in response.headers { head.headers.add(name: lowercase ? name.lowercased() : name, value: value) }
        head.headers.replaceOrAdd(name: "content-length", value: String(response.body.count))
        head.headers.replaceOrAdd(name: "connection", value: keepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func route(
        _ request: NIOHTTPServerRequestFull, promise: EventLoopPromise<LocalResponse>, connection: ObjectIdentifier
    ) {
        let uri = request.head.uri
        let path: Substring
        if let apiStart = uri.firstRange(of: "/2018-06-01/") ?? uri.firstRange(of: "/2020-01-01/") {
            path = uri[apiStart.lowerBound...]
        } else {
            path = uri[...]
        }
        let pathOnly = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        var body: [UInt8] = []
        if var buffer = request.body { body = buffer.readBytes(length: buffer.readableBytes) ?? [] }
        let method = request.head.method
        var actions = PendingActions()
        defer { actions.run() }

        let runtimeDelayMs: Int64 = quirks.contains(.slowRuntimeAPI) && pathOnly.hasPrefix("/2018-06-01/") ? 200 : 0
        func reply(_ status: HTTPResponseStatus, _ text: String = "") {
            actions.answer(
                promise, LocalResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(text.utf8)),
                delayMs: runtimeDelayMs)
        }

        switch (method, pathOnly) {
        case (.POST, invocationEndpoint):
            let traceHeader = request.head.headers.first(name: "X-Amzn-Trace-Id")
            let tenantID = request.head.headers.first(name: "X-Amz-Tenant-Id")
            let chosenID = request.head.headers.first(name: "Lambda-Runtime-Aws-Request-Id")
            // The runtime's client reads at most 80 KiB of headers with `next`: refuse what it could not receive.
            let headerBytes = (traceHeader?.utf8.count ?? 0) + (tenantID?.utf8.count ?? 0) + (chosenID?.utf8.count ?? 0)
            guard headerBytes <= Self.maxForwardedHeaderBytes else {
                reply(.badRequest, #"{"errorMessage":"trace, tenant and request id headers are over 16 KiB"}"#)
                return
            }
            state.withLockedValue { state in
                if let initError = state.initError {
                    actions.answer(promise, LocalResponse(status: .internalServerError, headers: [("Content-Type", "application/json")], body: initError))
                    return
                }
                let id = chosenID ?? state.newID()
                let hex = state.newID().filter { $0 != "-" }
                let trace = traceHeader
                    ?? "Root=1-\(String(currentTimeMs() / 1000, radix: 16))-\(hex.prefix(24));Parent=\(hex.suffix(16));Sampled=0"
                state.queue.append(LocalLambdaState.Invocation(
                    requestID: id, body: body, deadlineMs: currentTimeMs() + state.timeoutMs,
                    traceHeader: trace, tenantID: tenantID, caller: promise))
                state.pump(&actions)
            }

        case (.GET, "/2018-06-01/runtime/invocation/next"):
            state.withLockedValue { state in
                if state.isShutdown {
                    reply(.serviceUnavailable)
                    return
                }
                state.runtimeNextCount += 1
                if quirks.contains(.failFirstNextCalls) && state.runtimeNextCount <= 3 {
                    reply(.internalServerError, #"{"errorMessage":"try again"}"#)
                    return
                }
                // On demand one runtime worker waits at a time: a new `next` replaces the last one.
                if !state.isManagedInstances {
                    for stale in state.runtimeWaiting { stale.promise.fail(ChannelError.alreadyClosed) }
                    state.runtimeWaiting.removeAll()
                }
                state.runtimeWaiting.append(LocalLambdaState.RuntimeWaiter(promise: promise, connection: connection))
                state.pump(&actions)
            }

        case (.POST, let p) where p.hasPrefix("/2018-06-01/runtime/invocation/") && (p.hasSuffix("/response") || p.hasSuffix("/error")):
            let parts = p.split(separator: "/")
            let requestID = parts.count >= 5 ? String(parts[3]) : ""
            let isError = p.hasSuffix("/error")
            state.withLockedValue { state in
                guard let invocation = state.inFlight.removeValue(forKey: requestID) else {
                    reply(.badRequest, #"{"errorMessage":"unknown request id"}"#)
                    return
                }
                actions.answer(invocation.caller, LocalResponse(
                    status: isError ? .internalServerError : .ok,
                    headers: [("Content-Type", "application/json")], body: body))
                reply(.accepted, #"{"status":"OK"}"#)
            }

        case (.POST, "/2018-06-01/runtime/init/error"):
            state.withLockedValue { state in
                state.initError = body
                for invocation in state.queue {
                    actions.answer(invocation.caller, LocalResponse(status: .internalServerError, body: body))
                }
                state.queue.removeAll()
            }
            reply(.accepted, #"{"status":"OK"}"#)

        case (.POST, "/2020-01-01/extension/register"):
            let name = request.head.headers.first(name: "Lambda-Extension-Name") ?? ""
            guard !name.isEmpty else {
                reply(.badRequest, #"{"errorMessage":"missing Lambda-Extension-Name","errorType":"Extension.InvalidName"}"#)
                return
            }
            if quirks.contains(.refuseExtensionRegistration) {
                reply(.forbidden, #"{"errorMessage":"registration refused","errorType":"Extension.Forbidden"}"#)
                return
            }
            var wantsInvoke = false
            if let parsed = try? JSONValue(parsing: body), let events = parsed["events"]?.arrayValue {
                wantsInvoke = events.contains { $0.stringValue == "INVOKE" }
            }
            if wantsInvoke && state.withLockedValue({ $0.isManagedInstances }) {
                reply(
                    .forbidden,
                    #"{"errorMessage":"extensions cannot subscribe to INVOKE events on Lambda Managed Instances","errorType":"Extension.InvalidEventType"}"#)
                return
            }
            let id = state.withLockedValue { state in
                let id = state.newID()
                state.extensions[id] = LocalLambdaState.Extension(
                    name: name, wantsInvoke: wantsInvoke,
                    blocksInvocations: wantsInvoke || !quirks.contains(.failEventNextWithoutEvents))
                return id
            }
            let functionName = state.withLockedValue { $0.functionName }
            actions.answer(promise, LocalResponse(
                status: .ok,
                headers: [("Content-Type", "application/json"), ("Lambda-Extension-Identifier", id)],
                body: Array(#"{"functionName":"\#(functionName)","functionVersion":"$LATEST","handler":"bootstrap"}"#.utf8)))

        case (.GET, "/2020-01-01/extension/event/next"):
            let id = request.head.headers.first(name: "Lambda-Extension-Identifier") ?? ""
            state.withLockedValue { state in
                state.extensionNextCount += 1
                guard var ext = state.extensions[id] else {
                    reply(.forbidden, #"{"errorMessage":"unknown extension","errorType":"Extension.UnknownExtensionIdentifier"}"#)
                    return
                }
                if !ext.wantsInvoke && quirks.contains(.failEventNextWithoutEvents) {
                    reply(.internalServerError, #"{"errorMessage":"no events registered"}"#)
                    return
                }
                if !ext.pendingEvents.isEmpty {
                    actions.answer(promise, LocalLambdaState.eventResponse(ext.pendingEvents.removeFirst()))
                } else {
                    ext.waiting?.fail(ChannelError.alreadyClosed)
                    ext.waiting = promise
                }
                state.extensions[id] = ext
                state.pump(&actions)
            }

        case (.POST, "/2020-01-01/extension/init/error"), (.POST, "/2020-01-01/extension/exit/error"):
            reply(.accepted, #"{"status":"OK"}"#)

        default:
            reply(.notFound, #"{"errorMessage":"no route for \#(method) \#(pathOnly)"}"#)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A runtime worker that went away no longer waits for an invocation.
        let connection = ObjectIdentifier(context.channel)
        state.withLockedValue { state in state.runtimeWaiting.removeAll { $0.connection == connection } }
        context.fireChannelInactive()
    }
}

/// Reads the process environment.
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name), raw.pointee != 0 else { return nil }
        return String(cString: raw)
    }
}
