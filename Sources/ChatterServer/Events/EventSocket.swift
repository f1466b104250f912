import ChatterCore
import ChatterStore
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// The request context of the WebSocket router: the caller authenticated before the upgrade travels into
/// the socket's handler, which runs after the HTTP exchange (and its task locals) has ended.
struct ChatterWebSocketContext: RequestContext, WebSocketRequestContext {
    final class Caller: Sendable {
        let identity = Mutex<Identity?>(nil)
    }

    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let caller = Caller()
    /// The connection, whose `ConnectionGuard` answers a refused handshake.
    let channel: any Channel

    init(source: Source) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }
}

/// `GET /api/v1/ws`: the event log over a WebSocket. The client sends JSON messages
/// `{"type":"subscribe","id":…,"types":[…]?,"conversation_id":…?,"execution_id":…?,"after_seq":…?}` and
/// `{"type":"unsubscribe","id":…}`; the server answers `subscribed` / `unsubscribed`, then sends
/// `{"type":"event","subscription":id,"event":<envelope>}` for each event, and `error` messages for bad input
/// or for a subscription cut off for falling behind (the connection stays open).
func buildWebSocketRouter(runtime: ChatterRuntime) -> Router<ChatterWebSocketContext> {
    let router = Router(context: ChatterWebSocketContext.self)
    router.add(middleware: HandshakeProblemMiddleware(logger: runtime.logger))
    router.add(middleware: AuthenticationMiddleware(access: runtime.access, cache: runtime.identities, metricsToken: nil))
    router.ws(
        "/api/v1/ws",
        shouldUpgrade: { _, context in
            let identity = try RequestScope.caller()
            context.caller.identity.withLock { $0 = identity }
            return .upgrade([:])
        },
        onUpgrade: { inbound, outbound, context in
            guard let identity = context.requestContext.caller.identity.withLock({ $0 }) else { return }
            let session = EventSocketSession(runtime: runtime, identity: identity, writer: SocketWriter(outbound: outbound))
            await session.run(inbound)
        }
    )
    return router
}

/// Serialises the writes of a socket's subscriptions.
actor SocketWriter {
    let outbound: WebSocketOutboundWriter

    init(outbound: WebSocketOutboundWriter) {
        self.outbound = outbound
    }

    func send(_ object: JSONObjectWriter) async throws {
        try await outbound.write(.text(object.json))
    }
}

final class EndedSubscriptions: Sendable {
    let ids = Mutex<Set<String>>([])
}

struct EventSocketSession: Sendable {
    let runtime: ChatterRuntime
    let identity: Identity
    let writer: SocketWriter

    /// One message from the client, read field by field so that a refusal names the field at fault.
    struct ClientMessage {
        struct Refusal: Error {
            var id: String?
            var detail: String
        }

        static let fields = ["type", "id", "types", "conversation_id", "execution_id", "after_seq"]

        var type: String
        var id: String
        var types: [String]?
        var conversationId: String?
        var executionId: String?
        var afterSeq: Int64?

        init(_ text: String) throws(Refusal) {
            guard case .object(let fields)? = try? JSONValue(parsing: text.utf8) else {
                throw Refusal(detail: "a message is a JSON object with a type: subscribe or unsubscribe")
            }
            guard case .string(let id)? = fields["id"], (1...100).contains(id.count) else {
                throw Refusal(detail: "every message needs an id (1 to 100 characters)")
            }
            guard case .string(let type)? = fields["type"] else {
                throw Refusal(id: id, detail: "a message is a JSON object with a type: subscribe or unsubscribe")
            }
            if let unknown = fields.keys.sorted().first(where: { !Self.fields.contains($0) }) {
                throw Refusal(id: id, detail: "unknown field \"\(unknown)\"; a message has \(Self.fields.joined(separator: ", "))")
            }
            func string(_ key: String) throws(Refusal) -> String? {
                switch fields[key] {
                case nil, .null?: return nil
                case .string(let value)?: return value
                default: throw Refusal(id: id, detail: "\(key) must be a string")
                }
            }
            self.type = type
            self.id = id
            conversationId = try string("conversation_id")
            executionId = try string("execution_id")
            switch fields["types"] {
            case nil, .null?: types = nil
            case .array(let names)?:
                types = try names.map { name throws(Refusal) in
                    guard case .string(let name) = name else { throw Refusal(id: id, detail: "types must be an array of event type names") }
                    return name
                }
            default: throw Refusal(id: id, detail: "types must be an array of event type names")
            }
            switch fields["after_seq"] {
            case nil, .null?: afterSeq = nil
            case .number(let number)?:
                guard let seq = Int64(exactly: number), seq >= 0 else {
                    throw Refusal(id: id, detail: "after_seq must be a whole number, not negative")
                }
                afterSeq = seq
            default: throw Refusal(id: id, detail: "after_seq must be a whole number, not negative")
            }
        }
    }

    func run(_ inbound: WebSocketInboundStream) async {
        var subscriptions: [String: Task<Void, Never>] = [:]
        // Subscriptions that ended on their own (cut off, or the server stopping) free their ids.
        let ended = EndedSubscriptions()
        defer { for task in subscriptions.values { task.cancel() } }
        do {
            for try await message in inbound.messages(maxSize: 64 << 10) {
                guard case .text(let text) = message else {
                    try await error(nil, "messages are JSON text")
                    continue
                }
                let request: ClientMessage
                do {
                    request = try ClientMessage(text)
                } catch {
                    try await self.error(error.id, error.detail)
                    continue
                }
                let id = request.id
                for id in ended.ids.withLock({ finished in defer { finished.removeAll() }; return finished }) {
                    subscriptions.removeValue(forKey: id)
                }
                switch request.type {
                case "subscribe":
                    guard await runtime.keyCheck(for: identity)() else {
                        try await error(id, EventFeed.revokedProblem(instance: "/api/v1/ws").detail)
                        continue
                    }
                    guard subscriptions[id] == nil else {
                        try await error(id, "subscription \(id) already exists")
                        continue
                    }
                    guard subscriptions.count < 100 else {
                        try await error(id, "at most 100 subscriptions per connection")
                        continue
                    }
                    let known = Set(EventType.allCases.map(\.rawValue))
                    if let unknown = request.types?.first(where: { !known.contains($0) }) {
                        try await error(id, "unknown event type \"\(unknown)\"")
                        continue
                    }
                    let filter = EventStore.Filter(
                        tenantID: identity.tenantID, userID: identity.isAdmin ? nil : identity.userID,
                        types: request.types.map(Set.init).flatMap { $0.isEmpty ? nil : $0 },
                        conversationID: request.conversationId, executionID: request.executionId
                    )
                    do {
                        try await runtime.checkEventFilter(filter, identity: identity)
                    } catch {
                        try await self.error(id, (error as? ChatterError)?.detail ?? "the subscription's filter could not be checked")
                        continue
                    }
                    let subscription = try await runtime.hub.subscribe(filter, queueLimit: runtime.configuration.eventQueueLimit)
                    let snapshot: JSONObjectWriter?
                    do {
                        try await runtime.checkReplay(after: request.afterSeq, liveAfter: subscription.liveAfter)
                        snapshot = try await runtime.intelSnapshot(for: filter, identity: identity)
                    } catch {
                        runtime.hub.forget(subscription)
                        try await self.error(id, (error as? ChatterError)?.detail ?? "the subscription could not be started")
                        continue
                    }
                    var acknowledgement = JSONObjectWriter()
                    acknowledgement["type"] = .string("subscribed")
                    acknowledgement["id"] = .string(id)
                    acknowledgement["live_after"] = .integer(subscription.liveAfter)
                    do {
                        try await writer.send(acknowledgement)
                        if let snapshot {
                            var message = JSONObjectWriter()
                            message["type"] = .string("intel.snapshot")
                            message["id"] = .string(id)
                            message["insights"] = .object(snapshot)
                            try await writer.send(message)
                        }
                    } catch {
                        runtime.hub.forget(subscription)
                        throw error
                    }
                    let replayAfter = request.afterSeq
                    let stillAuthorized = runtime.keyCheck(for: identity)
                    subscriptions[id] = Task {
                        defer { ended.ids.withLock { _ = $0.insert(id) } }
                        await forward(
                            EventFeed(
                                hub: runtime.hub, subscription: subscription, filter: filter, replayAfter: replayAfter,
                                stillAuthorized: stillAuthorized
                            ),
                            subscription: id
                        )
                    }
                case "unsubscribe":
                    guard let task = subscriptions.removeValue(forKey: id) else {
                        try await error(id, "no subscription \(id)")
                        continue
                    }
                    task.cancel()
                    var acknowledgement = JSONObjectWriter()
                    acknowledgement["type"] = .string("unsubscribed")
                    acknowledgement["id"] = .string(id)
                    try await writer.send(acknowledgement)
                default:
                    try await error(id, "unknown message type \"\(request.type)\"; use subscribe or unsubscribe")
                }
            }
        } catch {
            runtime.logger.debug("event socket closed", metadata: ["error": "\(error)"])
        }
    }

    /// Sends one subscription's events until it is cancelled, the socket fails, or the hub cuts it off.
    private func forward(_ feed: consuming EventFeed, subscription id: String) async {
        var feed = feed
        do {
            while !Task.isCancelled, let item = try await withTaskCancellationHandler(
                operation: { try await feed.next() },
                onCancel: { [lease = feed.lease] in lease.hub.forget(lease.subscription) }
            ) {
                switch item {
                case .event(let event):
                    var message = JSONObjectWriter()
                    message["type"] = .string("event")
                    message["subscription"] = .string(id)
                    message["event"] = .rawJSON(event.envelope)
                    try await writer.send(message)
                case .keepalive:
                    continue
                case .cutOff(let lastSent):
                    try await error(id, EventFeed.cutOffProblem(lastSent: lastSent, instance: "/api/v1/ws").detail)
                case .revoked:
                    try await error(id, EventFeed.revokedProblem(instance: "/api/v1/ws").detail)
                }
            }
        } catch {
            runtime.logger.debug("event subscription ended", metadata: ["subscription": "\(id)", "error": "\(error)"])
        }
    }

    private func error(_ id: String?, _ detail: String) async throws {
        var message = JSONObjectWriter()
        message["type"] = .string("error")
        message["id"] = .optionalString(id)
        message["detail"] = .string(detail)
        try await writer.send(message)
    }
}
