import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// HTTP/1.1 with the WebSocket upgrade, as Hummingbird builds it, with two additions for requests that never
/// become a request: a connection whose bytes are not HTTP gets a 400 and is closed (Hummingbird turns off NIO's
/// error handler and, before the upgrade negotiation ends, nothing else answers: such a connection stayed open
/// for good), and a keep-alive connection idle between requests is closed after `idleTimeout`. A response in
/// progress (an event stream) never counts as idle.
struct GuardedHTTPChannel: ServerChildChannel {
    static let idleTimeout = TimeAmount.seconds(120)

    let base: HTTP1WebSocketUpgradeChannel

    static func builder<WebSocketRouter: HTTPResponderBuilder & _HB_SendableMetatype>(webSocketRouter: WebSocketRouter) -> HTTPServerBuilder
    where WebSocketRouter.Responder.Context: WebSocketRequestContext {
        let webSocketResponder = webSocketRouter.buildResponder()
        return HTTPServerBuilder { responder in
            GuardedHTTPChannel(
                base: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder,
                    configuration: .init(http1: .init(idleTimeout: idleTimeout))
                )
            )
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1WebSocketUpgradeChannel.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandler(MalformedRequestHandler())
            return value
        }
    }

    func handle(value: HTTP1WebSocketUpgradeChannel.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Sits after the upgrade handler and passes everything through. An error before any request has got past the
/// upgrade negotiation (bytes that are not HTTP, a WebSocket handshake NIO refuses) means nothing has been
/// answered on the connection, so it answers 400 and closes; a parse error later (a response may be in progress)
/// closes the connection.
final class MalformedRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private var requestsPassed = false
    static let problem = #"{"type":"urn:chatter:problem:invalid-request","title":"Bad Request","status":400,"#
        + #""detail":"the request is not valid HTTP/1.1 or WebSocket"}"#

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        requestsPassed = true
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !requestsPassed else {
            if error is HTTPParserError { context.close(promise: nil) } else { context.fireErrorCaught(error) }
            return
        }
        let body = ByteBuffer(string: Self.problem)
        let head = HTTPResponseHead(
            version: .http1_1, status: .badRequest,
            headers: ["Connection": "close", "Content-Type": "application/problem+json", "Content-Length": "\(body.readableBytes)"]
        )
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
