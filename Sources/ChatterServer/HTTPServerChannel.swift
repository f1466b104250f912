import ChatterCore
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// HTTP/1.1 with the WebSocket upgrade, as Hummingbird builds it, with guards for requests that never become a
/// request. Hummingbird turns off NIO's error handler, and before the upgrade negotiation ends nothing else answers,
/// so such connections stayed open for good:
/// - bytes that are not HTTP get a 400, header fields over NIO's limits a 431;
/// - a refused WebSocket handshake gets the refusal's problem (401 for a missing key, 404 for an unknown path), or a
///   400 if NIO refused it;
/// - a connection that sent bytes but no whole request head within `headTimeout` gets a 408, one that sent nothing
///   is closed without a word;
/// - a keep-alive connection idle between requests is closed after `idleTimeout`. A response in progress (an event
///   stream) never counts as idle.
struct GuardedHTTPChannel: ServerChildChannel {
    static let idleTimeout = TimeAmount.seconds(120)

    let base: HTTP1WebSocketUpgradeChannel
    let headTimeout: TimeAmount

    static func builder<WebSocketRouter: HTTPResponderBuilder & _HB_SendableMetatype>(
        webSocketRouter: WebSocketRouter, headTimeout: Duration
    ) -> HTTPServerBuilder where WebSocketRouter.Responder.Context: WebSocketRequestContext {
        let webSocketResponder = webSocketRouter.buildResponder()
        return HTTPServerBuilder { responder in
            GuardedHTTPChannel(
                base: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder,
                    // Text frames that are not UTF-8 close the socket (1007), as RFC 6455 asks.
                    configuration: .init(http1: .init(idleTimeout: idleTimeout), ws: .init(validateUTF8: true))
                ),
                headTimeout: TimeAmount(headTimeout)
            )
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1WebSocketUpgradeChannel.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let guardHandler = ConnectionGuard(headTimeout: headTimeout)
            try pipeline.addHandler(guardHandler)
            try pipeline.addHandler(FirstReadObserver { guardHandler.bytesArrived() }, position: .first)
            try pipeline.addHandler(FlushCoalescer(), position: .first)
            try pipeline.addHandler(ClientPresenceHandler(), position: .first)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(FirstReadObserver { guardHandler.headArrived() }, position: .after(decoder))
            return value
        }
    }

    func handle(value: HTTP1WebSocketUpgradeChannel.Value, logger: Logger) async {
        var logger = logger
        logger.handler = UnfinishedNegotiationLogHandler(base: logger.handler)
        let presence = try? await value.channel.pipeline.handler(type: ClientPresenceHandler.self).get().presence
        // The connection's own task stays on Swift's pool; the calls and turns it starts keep to its loop (`InFlightWork`).
        await EventLoopTaskExecutor.$current.withValue(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await ClientPresence.$current.withValue(presence) {
                await base.handle(value: value, logger: logger)
            }
        }
    }
}

/// Answers, once, for a connection whose first request never got past the upgrade negotiation, and closes it. It
/// sits after the upgrade handler, so it sees the errors the decoder and the upgrade raise, and everything the HTTP
/// layer behind it writes:
/// - before the first request passes (or a WebSocket upgrade completes): 431 for header fields over NIO's limits,
///   400 for another parse error, the stored refusal (or 400) for a refused WebSocket handshake, and the head
///   timeout's 408;
/// - once it has answered, nothing further passes either way, so no second response follows (Hummingbird would
///   otherwise go on to serve a refused handshake as plain HTTP, with a bare 400 or a redirect);
/// - later, a parse error (a response may be in progress) closes the connection; other errors pass on.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    private enum Phase { case awaitingHead, passing, answered }

    private let headTimeout: TimeAmount
    private var phase = Phase.awaitingHead
    private var timeout: Scheduled<Void>?
    private var anyBytes = false
    /// Why the WebSocket router refused a handshake, set by `HandshakeProblemMiddleware` before NIO reports it.
    var handshakeRefusal: Problem?

    init(headTimeout: TimeAmount) {
        self.headTimeout = headTimeout
    }

    func bytesArrived() {
        anyBytes = true
    }

    /// The decoder has read a whole head: the timeout ends, though the head may still be refused.
    func headArrived() {
        timeout?.cancel()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: headTimeout) {
            guard self.phase == .awaitingHead else { return }
            guard self.anyBytes else {
                // A connection opened ahead of need (a browser's preconnect): a 408 could be read as the answer to
                // a request sent at the same moment.
                self.phase = .answered
                context.close(promise: nil)
                return
            }
            self.answer(context: context, ChatterError(.requestTimeout, "no complete request head arrived in time"))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard phase != .answered else { return }
        pass()
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // After a WebSocket upgrade the HTTP encoder is gone, and only WebSocket frames pass here.
        if event is HTTPServerUpgradeEvents { pass() }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard phase != .answered else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch phase {
        case .answered:
            return
        case .awaitingHead where error as? HTTPParserError == .headerOverflow:
            answer(context: context, ChatterError(.headersTooLarge, "the request's header fields are too large"))
        case .awaitingHead where error is HTTPParserError:
            answer(context: context, .invalid("the request is not valid HTTP/1.1"))
        case .awaitingHead where error is NIOWebSocketUpgradeError:
            if let handshakeRefusal {
                answer(context: context, handshakeRefusal)
            } else {
                answer(context: context, .invalid("the WebSocket handshake is not valid (RFC 6455: version 13 and a 16-byte key)"))
            }
        case .awaitingHead, .passing:
            if error is HTTPParserError { context.close(promise: nil) } else { context.fireErrorCaught(error) }
        }
    }

    private func pass() {
        guard phase == .awaitingHead else { return }
        phase = .passing
        timeout?.cancel()
    }

    private func answer(context: ChannelHandlerContext, _ error: ChatterError) {
        answer(context: context, Problem(error, instance: nil, requestID: nil))
    }

    /// Writes one problem response, if the pipeline can still write HTTP, and closes the connection.
    private func answer(context: ChannelHandlerContext, _ problem: Problem) {
        phase = .answered
        timeout?.cancel()
        guard (try? context.pipeline.syncOperations.handler(type: HTTPResponseEncoder.self)) != nil else {
            context.close(promise: nil)
            return
        }
        let body = ByteBuffer(bytes: problem.json)
        var headers: HTTPHeaders = ["Connection": "close", "Content-Type": "application/problem+json", "Content-Length": "\(body.readableBytes)"]
        if let requestID = problem.requestID { headers.add(name: "X-Request-ID", value: requestID) }
        if problem.status == 401 { headers.add(name: "WWW-Authenticate", value: "Bearer") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: problem.status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        // Closed on a later tick: a refused handshake goes on, in this same call stack, to set up the plain HTTP
        // pipeline, which fails (and Hummingbird logs an error) on a channel already closed.
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).assumeIsolated().whenComplete { _ in
            context.eventLoop.assumeIsolated().execute { context.close(promise: nil) }
        }
    }
}

/// Flushes once for everything written in one turn of the event loop: a response's parts, written one after another
/// (a stream's head and first bytes; its last bytes and its end), leave in one socket write instead of one each. The
/// flush runs as the loop's next task, so nothing waits longer than that. A close flushes first.
final class FlushCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = NIOAny

    private var flushScheduled = false

    func flush(context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let context = NIOLoopBound(context, eventLoop: context.eventLoop)
        let handler = NIOLoopBound(self, eventLoop: context.value.eventLoop)
        context.value.eventLoop.execute {
            guard handler.value.flushScheduled else { return }
            handler.value.flushScheduled = false
            context.value.flush()
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if flushScheduled {
            flushScheduled = false
            context.flush()
        }
        context.close(mode: mode, promise: promise)
    }
}

/// Passes everything on, and tells `onFirstRead` of the first read before removing itself.
final class FirstReadObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let onFirstRead: () -> Void

    init(onFirstRead: @escaping () -> Void) {
        self.onFirstRead = onFirstRead
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onFirstRead()
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// The WebSocket router's error handling. A refused handshake's response is dropped by Hummingbird (the client gets
/// whatever the connection's `ConnectionGuard` answers), so the refusal's problem is handed to that guard before the
/// refusal (any status but 200) goes back to the upgrade.
struct HandshakeProblemMiddleware: RouterMiddleware {
    typealias Context = ChatterWebSocketContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = request.headers[.requestID].flatMap(ProblemMiddleware<Context>.acceptableRequestID) ?? Identifier.make()
        return try await RequestScope.$requestID.withValue(requestID) {
            do {
                return try await next(request, context)
            } catch {
                let chatterError = ProblemMiddleware<Context>.chatterError(for: error, logger: logger, requestID: requestID)
                let problem = Problem(chatterError, instance: request.uri.path, requestID: requestID)
                let channel = context.channel
                try await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.handler(type: ConnectionGuard.self).handshakeRefusal = problem
                }.get()
                return Response(status: .init(code: problem.status))
            }
        }
    }
}

/// Hummingbird logs a connection whose upgrade negotiation never finished (one refused by `ConnectionGuard`, or one
/// the client dropped half-way) at error level. Anyone can cause that without a key, so when the error is the
/// channel's being closed it is logged at debug level instead; everything else passes unchanged.
struct UnfinishedNegotiationLogHandler: LogHandler {
    static let closedChannel: Set<String> = Set(
        [ChannelError.inappropriateOperationForState, .ioOnClosedChannel, .alreadyClosed, .eof].map { "\($0)" }
    )

    var base: any LogHandler

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }
    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }
    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if event.level == .error, event.message.description == "Error handling upgrade result",
            case .string(let type)? = event.metadata?["error.type"], Self.closedChannel.contains(type)
        {
            guard base.logLevel <= .debug else { return }
            event.level = .debug
        }
        base.log(event: event)
    }
}
