import ChatterCore
import ChatterStore
import Foundation
import OpenAPIRuntime
import ServiceLifecycle

/// One subscriber's view of the event log: a replay after the last seq it saw, then live events from the hub,
/// pulled one at a time by whoever writes them out (SSE or WebSocket). Because nothing is read ahead of the
/// writer, a client that does not read fills its queue in the hub and is cut off there.
struct EventFeed {
    enum Item: Sendable {
        case event(RenderedEvent)
        case keepalive
        /// The hub cut this subscriber off; it resumes after `lastSent`.
        case cutOff(lastSent: Int64)
        /// The key that opened the feed was revoked: nothing more is sent.
        case revoked
    }

    /// Ends the subscription when the reader lets go of the feed, whether it finished or the client left.
    final class Lease: Sendable {
        let hub: EventHub
        let subscription: EventHub.Subscription

        init(hub: EventHub, subscription: EventHub.Subscription) {
            self.hub = hub
            self.subscription = subscription
        }

        deinit { hub.forget(subscription) }
    }

    let lease: Lease
    let filter: EventStore.Filter
    /// Whether the key that opened the feed is still valid: asked at each keepalive, and before an event once the
    /// last answer is older than `reauthorization`, so a revoked key's feed ends within that time wherever the key
    /// was revoked (the README promises 5 s).
    let stillAuthorized: @Sendable () async -> Bool
    static let reauthorization = Duration.seconds(4)
    var authorizedAt = ContinuousClock.now
    var replayCursor: Int64?
    var pending: [StoredEvent] = []
    var lastSent: Int64
    /// Live items taken from the queue and not yet handed out.
    var buffered: [EventHub.Item] = []
    var bufferedIndex = 0
    var finished = false

    init(
        hub: EventHub, subscription: EventHub.Subscription, filter: EventStore.Filter, replayAfter: Int64?,
        stillAuthorized: @escaping @Sendable () async -> Bool = { true }
    ) {
        self.lease = Lease(hub: hub, subscription: subscription)
        self.filter = filter
        self.stillAuthorized = stillAuthorized
        self.replayCursor = replayAfter
        self.lastSent = replayAfter ?? subscription.liveAfter
    }

    mutating func next() async throws -> Item? {
        if finished { return nil }
        while let cursor = replayCursor {
            if !pending.isEmpty {
                guard await reauthorizeWhenDue() else { return .revoked }
                let event = pending.removeFirst()
                lastSent = event.seq
                return .event(RenderedEvent(event))
            }
            let page = try await lease.hub.store.replay(after: cursor, upTo: lease.subscription.liveAfter, filter: filter, limit: 500)
            pending = page
            replayCursor = page.last?.seq
        }
        let lease = self.lease
        while true {
            if bufferedIndex == buffered.count {
                // A server that is stopping waits for open responses: end the feed so it can.
                guard let batch = await withGracefulShutdownHandler(
                    operation: { await lease.subscription.events.next() },
                    onGracefulShutdown: { lease.hub.forget(lease.subscription) }
                ) else { break }
                buffered = batch
                bufferedIndex = 0
            }
            let item = buffered[bufferedIndex]
            bufferedIndex += 1
            switch item {
            case .keepalive:
                guard await reauthorize() else { return .revoked }
                return .keepalive
            case .event(let event):
                guard event.seq > lastSent else { continue }
                guard await reauthorizeWhenDue() else { return .revoked }
                lastSent = event.seq
                return .event(event)
            }
        }
        finished = true
        return lease.hub.overflowed(lease.subscription) ? .cutOff(lastSent: lastSent) : nil
    }

    /// `reauthorize()` once the last answer is older than `reauthorization`; true without asking before that.
    private mutating func reauthorizeWhenDue() async -> Bool {
        ContinuousClock.now - authorizedAt <= Self.reauthorization ? true : await reauthorize()
    }

    /// Asks whether the key is still valid; if not, the feed ends.
    private mutating func reauthorize() async -> Bool {
        guard await stillAuthorized() else {
            finished = true
            lease.hub.forget(lease.subscription)
            return false
        }
        authorizedAt = .now
        return true
    }

    /// The next live event if one is already taken from the queue, without waiting (to coalesce writes).
    mutating func nextIfReady() -> RenderedEvent? {
        guard replayCursor == nil, !finished else { return nil }
        while bufferedIndex < buffered.count {
            let item = buffered[bufferedIndex]
            bufferedIndex += 1
            if case .event(let event) = item, event.seq > lastSent {
                lastSent = event.seq
                return event
            }
        }
        return nil
    }

    static func revokedProblem(instance: String) -> Problem {
        Problem(ChatterError(.unauthorized, "the API key of this stream was revoked"), instance: instance, requestID: nil)
    }

    static func cutOffProblem(lastSent: Int64, instance: String) -> Problem {
        Problem(
            ChatterError(
                .unavailable, "this client fell more than its queue behind the event log and was disconnected; "
                    + "reconnect with Last-Event-ID: \(lastSent) to resume"
            ),
            instance: instance, requestID: nil
        )
    }
}

/// The body of `GET /api/v1/events`: the feed as SSE frames (`id` = seq, `event` = type, `data` = envelope).
struct EventStreamBody: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>

    let hub: EventHub
    let subscription: EventHub.Subscription
    let filter: EventStore.Filter
    let replayAfter: Int64?
    /// The conversation's current insights, sent first (as `intel.snapshot`, without an id) to a subscriber of one conversation.
    let snapshot: JSONObjectWriter?
    let stillAuthorized: @Sendable () async -> Bool

    func makeAsyncIterator() -> Iterator {
        Iterator(
            feed: EventFeed(hub: hub, subscription: subscription, filter: filter, replayAfter: replayAfter, stillAuthorized: stillAuthorized),
            snapshot: snapshot
        )
    }

    struct Iterator: AsyncIteratorProtocol {
        var feed: EventFeed
        let snapshot: JSONObjectWriter?
        var sentOpening = false

        mutating func next() async throws -> ArraySlice<UInt8>? {
            if !sentOpening {
                sentOpening = true
                // Tells the client how long to wait before reconnecting, and flushes the headers at once.
                var opening = Array("retry: 2000\n\n".utf8)
                if let snapshot { opening += Array("event: intel.snapshot\ndata: \(snapshot.json)\n\n".utf8) }
                return ArraySlice(opening)
            }
            switch try await feed.next() {
            case .event(let event):
                // Events already waiting go out in the same write.
                guard let next = feed.nextIfReady() else { return event.sseFrame }
                var frames = Array(event.sseFrame) + next.sseFrame
                while frames.count < 256 << 10, let more = feed.nextIfReady() { frames += more.sseFrame }
                return ArraySlice(frames)
            case .keepalive: return ArraySlice(": keepalive\n\n".utf8)
            case .cutOff(let lastSent): return ChatEventStream.frame("error", EventFeed.cutOffProblem(lastSent: lastSent, instance: "/api/v1/events"))
            case .revoked: return ChatEventStream.frame("error", EventFeed.revokedProblem(instance: "/api/v1/events"))
            case nil: return nil
            }
        }
    }
}
