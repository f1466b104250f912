import ChatterCore
import ChatterStore
import Foundation
import OpenAPIRuntime
import ServiceLifecycle

/// The body of `GET /api/v1/events`: a replay of the log after the client's last seen seq, then live events
/// from the hub, pulled by the HTTP writer one frame at a time. Because nothing is read ahead of the writer,
/// a client that does not read fills its queue in the hub and is cut off there, with a final `error` frame.
struct EventStreamBody: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>

    let hub: EventHub
    let subscription: EventHub.Subscription
    let filter: EventStore.Filter
    let replayAfter: Int64?

    /// Ends the subscription when the writer lets go of the stream, whether it finished or the client left.
    final class Lease: Sendable {
        let hub: EventHub
        let subscription: EventHub.Subscription

        init(hub: EventHub, subscription: EventHub.Subscription) {
            self.hub = hub
            self.subscription = subscription
        }

        deinit { hub.forget(subscription) }
    }

    func makeAsyncIterator() -> Iterator {
        Iterator(
            lease: Lease(hub: hub, subscription: subscription), filter: filter, replayCursor: replayAfter,
            lastSent: replayAfter ?? subscription.liveAfter, live: subscription.events.makeAsyncIterator()
        )
    }

    struct Iterator: AsyncIteratorProtocol {
        let lease: Lease
        let filter: EventStore.Filter
        var replayCursor: Int64?
        var pending: [StoredEvent] = []
        var lastSent: Int64
        var live: AsyncStream<EventHub.Item>.Iterator
        var sentOpening = false
        var finished = false

        mutating func next() async throws -> ArraySlice<UInt8>? {
            if finished { return nil }
            if !sentOpening {
                sentOpening = true
                // Tells the client how long to wait before reconnecting, and flushes the headers at once.
                return ArraySlice("retry: 2000\n\n".utf8)
            }
            while let cursor = replayCursor {
                if !pending.isEmpty {
                    let event = pending.removeFirst()
                    lastSent = event.seq
                    return Self.frame(event)
                }
                let page = try await lease.hub.store.replay(after: cursor, upTo: lease.subscription.liveAfter, filter: filter, limit: 500)
                pending = page
                replayCursor = page.last?.seq
            }
            let lease = self.lease
            // A server that is stopping waits for open responses: end the stream so it can.
            while let item = await withGracefulShutdownHandler(
                operation: { await live.next() },
                onGracefulShutdown: { lease.hub.forget(lease.subscription) }
            ) {
                switch item {
                case .keepalive:
                    return ArraySlice(": keepalive\n\n".utf8)
                case .event(let event):
                    guard event.seq > lastSent else { continue }
                    lastSent = event.seq
                    return Self.frame(event)
                }
            }
            finished = true
            guard lease.hub.overflowed(lease.subscription) else { return nil }
            let problem = Problem(
                ChatterError(
                    .unavailable, "this client fell more than its queue behind the event log and was disconnected; "
                        + "reconnect with Last-Event-ID: \(lastSent) to resume"
                ),
                instance: "/api/v1/events", requestID: nil
            )
            return ChatEventStream.frame("error", problem)
        }

        static func frame(_ event: StoredEvent) -> ArraySlice<UInt8> {
            ArraySlice("id: \(event.seq)\nevent: \(event.type)\ndata: \(event.envelopeJSON)\n\n".utf8)
        }
    }
}
