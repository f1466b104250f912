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
/// - bytes that are not HTTP, or a WebSocket handshake NIO refuses, get a 400 and a closed connection;
/// - a connection that has not sent a whole request head within `headTimeout` gets a 408 and is closed;
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
                    configuration: .init(http1: .init(idleTimeout: idleTimeout))
                ),
                headTimeout: TimeAmount(headTimeout)
            )
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1WebSocketUpgradeChannel.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandler(MalformedRequestHandler(headTimeout: headTimeout))
            return value
        }
    }

    func handle(value: HTTP1WebSocketUpgradeChannel.Value, logger: Logger) async {
        var logger = logger
        logger.handler = UnfinishedNegotiationLogHandler(base: logger.handler)
        await base.handle(value: value, logger: logger)
    }
}

/// Hummingbird logs a connection whose upgrade negotiation never finished (one refused by
/// `MalformedRequestHandler`, or one the client dropped half-way) at error level. Anyone can cause that without a
/// key, so it is logged at debug level instead; everything else passes unchanged.
struct UnfinishedNegotiationLogHandler: LogHandler {
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
        if event.message.description == "Error handling upgrade result" {
            guard base.logLevel <= .debug else { return }
            event.level = .debug
        }
        base.log(event: event)
    }
}

/// Sits after the upgrade handler. Until the first request head gets past the upgrade negotiation (or a WebSocket
/// upgrade completes) nothing has been answered on the connection, so it answers and closes: 431 for header fields
/// over NIO's limits, 400 for another parse error or a refused WebSocket handshake, 408 for a head that has not
/// arrived within the timeout. Once it has answered it lets nothing further through, so no second response follows
/// (Hummingbird would otherwise go on to serve the refused handshake as plain HTTP). Later, a parse error (a
/// response may be in progress) closes the connection; other errors pass on.
final class MalformedRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private enum Phase { case awaitingHead, passing, answered }

    private let headTimeout: TimeAmount
    private var phase = Phase.awaitingHead
    private var timeout: Scheduled<Void>?

    init(headTimeout: TimeAmount) {
        self.headTimeout = headTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: headTimeout) {
            guard self.phase == .awaitingHead else { return }
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
        // After a WebSocket upgrade no read of HTTP passes here, and the HTTP encoder is gone.
        if event is HTTPServerUpgradeEvents { pass() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch phase {
        case .answered:
            return
        case .awaitingHead where error as? HTTPParserError == .headerOverflow:
            answer(context: context, ChatterError(.headersTooLarge, "the request's header fields are too large"))
        case .awaitingHead where error is HTTPParserError || error is NIOWebSocketUpgradeError:
            answer(context: context, .invalid("the request is not valid HTTP/1.1 or WebSocket"))
        case .awaitingHead, .passing:
            if error is HTTPParserError { context.close(promise: nil) } else { context.fireErrorCaught(error) }
        }
    }

    private func pass() {
        phase = .passing
        timeout?.cancel()
    }

    /// Writes one problem response, if the pipeline can still write HTTP, and closes the connection.
    private func answer(context: ChannelHandlerContext, _ error: ChatterError) {
        phase = .answered
        timeout?.cancel()
        guard (try? context.pipeline.syncOperations.handler(type: HTTPResponseEncoder.self)) != nil else {
            context.close(promise: nil)
            return
        }
        let problem = Problem(error, instance: nil, requestID: nil)
        let body = ByteBuffer(bytes: problem.json)
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: problem.status),
            headers: ["Connection": "close", "Content-Type": "application/problem+json", "Content-Length": "\(body.readableBytes)"]
        )
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        // Closed on a later tick: a refused handshake goes on, in this same call stack, to set up the plain HTTP
        // pipeline, which fails (and Hummingbird logs an error) on a channel already closed.
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
            bound.value.eventLoop.execute { bound.value.close(promise: nil) }
        }
    }
}
