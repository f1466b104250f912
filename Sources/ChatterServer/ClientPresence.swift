import NIOCore
import Synchronization

/// Whether the client of a request's connection is still there. The server allows half-closed connections, so a
/// client that leaves shows first as the end of its input, before any write to it fails; an HTTP/1.1 client waiting
/// for its answer does not close its side. Calls read this to tell a reply nobody received (`client_disconnected`)
/// from one that was delivered, and streams to start their drain (or cancel) policy before the first token.
final class ClientPresence: Sendable {
    private let gone = Atomic(false)

    var isGone: Bool { gone.load(ordering: .relaxed) }

    func markGone() {
        gone.store(true, ordering: .relaxed)
    }

    /// The presence of the current request's client, set for each connection's task.
    @TaskLocal static var current: ClientPresence?

    /// Whether the current request's client has left, as a closure a call can ask later from any task.
    static var currentlyGone: @Sendable () -> Bool {
        let presence = current
        return { presence?.isGone ?? false }
    }
}

/// Marks its connection's `ClientPresence` when the client's input ends or the connection closes.
final class ClientPresenceHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let presence = ClientPresence()

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { presence.markGone() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        presence.markGone()
        context.fireChannelInactive()
    }
}
