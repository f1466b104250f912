import ChatterCore
import ChatterStore
import Logging
import ServiceLifecycle
import Synchronization

/// An event with its wire forms rendered once, however many subscribers it goes to.
final class RenderedEvent: Sendable {
    let event: StoredEvent
    /// The envelope JSON (WebSocket embeds it; SSE sends it as `data`).
    let envelope: String
    /// The whole SSE frame.
    let sseFrame: ArraySlice<UInt8>

    init(_ event: StoredEvent) {
        self.event = event
        self.envelope = event.envelopeJSON
        self.sseFrame = ArraySlice("id: \(event.seq)\nevent: \(event.type)\ndata: \(envelope)\n\n".utf8)
    }

    var seq: Int64 { event.seq }
}

/// Fans the event log out to this node's live subscribers. One reader per node follows the log in `seq`
/// order (woken by this node's commits, and by a short poll for what other nodes commit), so subscribers
/// never query the database for live events. Each subscriber has a bounded queue: the hub never waits on a
/// subscriber, and one that falls behind is cut off (it resumes with `Last-Event-ID`).
final class EventHub: Sendable {
    enum Item: Sendable {
        case event(RenderedEvent)
        case keepalive
    }

    struct Subscription: Sendable {
        let id: Int
        let events: SubscriberQueue
        /// Live delivery starts after this seq; anything before it comes from a replay of the log.
        let liveAfter: Int64
    }

    private struct Subscriber {
        let filter: EventStore.Filter
        let queue: SubscriberQueue
    }

    private struct State {
        var lastSeq: Int64
        var nextID = 0
        var subscribers: [Int: Subscriber] = [:]
        /// Subscribers of every type, and the others by the types they asked for: an event is checked only against
        /// those that could want it (1,000 subscribers waiting for one rare type cost nothing per event).
        var everyType: Set<Int> = []
        var byType: [String: Set<Int>] = [:]
        var overflowed: Set<Int> = []
        var delivered: Int64 = 0
        /// Commits wake the hub only while someone subscribes.
        let interest = WakeupInterest(wanted: false)

        mutating func add(_ subscriber: Subscriber) -> Int {
            nextID += 1
            subscribers[nextID] = subscriber
            interest.set(true)
            if let types = subscriber.filter.types {
                for type in types { byType[type, default: []].insert(nextID) }
            } else {
                everyType.insert(nextID)
            }
            return nextID
        }

        mutating func remove(_ id: Int) -> Subscriber? {
            guard let subscriber = subscribers.removeValue(forKey: id) else { return nil }
            if subscribers.isEmpty { interest.set(false) }
            if let types = subscriber.filter.types {
                for type in types {
                    byType[type]?.remove(id)
                    if byType[type]?.isEmpty == true { byType[type] = nil }
                }
            } else {
                everyType.remove(id)
            }
            return subscriber
        }

        /// The ids of the subscribers whose type filter lets `type` through.
        func candidates(for type: String) -> [Set<Int>] {
            [everyType, byType[type] ?? []]
        }
    }

    let store: EventStore
    private let signal: EventSignal
    private let pollInterval: Duration
    private let keepalive: Duration
    private let retention: Duration
    private let logger: Logger
    private let state: Mutex<State>

    init(
        store: EventStore, signal: EventSignal, startingAfter lastSeq: Int64, pollInterval: Duration, keepalive: Duration,
        retention: Duration, logger: Logger
    ) {
        self.store = store
        self.signal = signal
        self.pollInterval = pollInterval
        self.keepalive = keepalive
        self.retention = retention
        self.logger = logger
        self.state = Mutex(State(lastSeq: lastSeq))
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }
    var deliveredCount: Int64 { state.withLock { $0.delivered } }
    /// The last seq this node has read from the log.
    var position: Int64 { state.withLock { $0.lastSeq } }

    /// Registers a subscriber. While nobody listens the hub reads nothing, so the first subscriber brings its
    /// position up to the log's end; live delivery starts there.
    func subscribe(_ filter: EventStore.Filter, queueLimit: Int) async throws -> Subscription {
        let latest = try await store.latestSeq()
        let queue = SubscriberQueue(limit: queueLimit)
        let (id, liveAfter, first) = state.withLock { state in
            let first = state.subscribers.isEmpty
            if first { state.lastSeq = max(state.lastSeq, latest) }
            let id = state.add(Subscriber(filter: filter, queue: queue))
            return (id, state.lastSeq, first)
        }
        // A commit between reading `latest` and now did not wake the hub, which had nobody to serve: read it now.
        if first { signal.notify() }
        return Subscription(id: id, events: queue, liveAfter: liveAfter)
    }

    /// Whether the hub cut this subscriber off because its queue was full.
    func overflowed(_ subscription: Subscription) -> Bool {
        state.withLock { $0.overflowed.contains(subscription.id) }
    }

    func forget(_ subscription: Subscription) {
        // Finishing resumes the reader's continuation: never do it while holding the hub's lock.
        let removed = state.withLock { state in
            state.overflowed.remove(subscription.id)
            return state.remove(subscription.id)
        }
        removed?.queue.finish()
        subscription.events.terminate()
    }

    /// Follows the log until cancelled, then ends every subscription.
    func run() async {
        let wakeups = signal.wakeups(interest: state.withLock { $0.interest })
        let signal = self.signal
        let pollInterval = self.pollInterval
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: pollInterval)
                signal.notify()
            }
        }
        let keepalives = Task { [weak self, keepalive] in
            while !Task.isCancelled {
                try? await Task.sleep(for: keepalive)
                self?.sendKeepalives()
            }
        }
        let retention = Task { [weak self] in
            while !Task.isCancelled {
                await self?.prune()
                try? await Task.sleep(for: .seconds(3600))
            }
        }
        defer {
            ticker.cancel()
            keepalives.cancel()
            retention.cancel()
        }
        for await _ in wakeups.cancelOnGracefulShutdown() {
            do {
                try await drain()
            } catch {
                logger.warning("reading the event log failed; retrying on the next wake-up", metadata: ["error": "\(error)"])
            }
        }
        let remaining = state.withLock { state in
            defer {
                state.subscribers.removeAll()
                state.interest.set(false)
                state.everyType.removeAll()
                state.byType.removeAll()
            }
            return Array(state.subscribers.values)
        }
        for subscriber in remaining { subscriber.queue.finish() }
    }

    /// A keepalive to every subscriber; one whose queue is full simply misses it.
    func sendKeepalives() {
        state.withLock { state in
            for (id, subscriber) in state.subscribers {
                if case .terminated = subscriber.queue.offer(.keepalive) { _ = state.remove(id) }
            }
        }
    }

    /// Deletes events past the retention period.
    func prune() async {
        let cutoff = Clock.nowMilliseconds() - Int64(retention.components.seconds) * 1000
        do {
            let removed = try await store.prune(before: cutoff)
            if removed > 0 { logger.info("pruned events past their retention", metadata: ["events": "\(removed)"]) }
        } catch {
            logger.warning("pruning the event log failed", metadata: ["error": "\(error)"])
        }
    }

    /// Delivers everything committed since the last read, in order.
    func drain() async throws {
        // With nobody listening there is nothing to deliver and nothing to read (see `subscribe`).
        while !state.withLock({ $0.subscribers.isEmpty }) {
            let after = state.withLock { $0.lastSeq }
            let events = try await store.after(seq: after, limit: 1000)
            guard let last = events.last else { return }
            let cutOff = state.withLock { state -> [Subscriber] in
                // Another drain may have delivered these meanwhile.
                guard state.lastSeq == after else { return [] }
                // Each subscriber gets what it matches of this read in one offer, so it wakes (and writes) once.
                var batches: [Int: [Item]] = [:]
                for event in events {
                    var rendered: RenderedEvent?
                    for ids in state.candidates(for: event.type) {
                        for id in ids {
                            guard let subscriber = state.subscribers[id], subscriber.filter.matches(event) else { continue }
                            let shared = rendered ?? RenderedEvent(event)
                            rendered = shared
                            batches[id, default: []].append(.event(shared))
                        }
                    }
                }
                var cutOff: [Subscriber] = []
                for (id, batch) in batches {
                    guard let subscriber = state.subscribers[id] else { continue }
                    switch subscriber.queue.offer(batch) {
                    case .enqueued:
                        state.delivered += Int64(batch.count)
                    case .dropped(let kept):
                        // What fitted is still delivered, then the subscriber is told where to resume.
                        state.delivered += Int64(kept)
                        state.overflowed.insert(id)
                        _ = state.remove(id)
                        cutOff.append(subscriber)
                    case .terminated:
                        _ = state.remove(id)
                    }
                }
                state.lastSeq = last.seq
                return cutOff
            }
            for subscriber in cutOff { subscriber.queue.finish() }
            if events.count < 1000 { return }
        }
    }
}

/// Runs the hub for the application's lifetime.
struct EventHubService: Service, CustomStringConvertible {
    var description: String { "EventHubService" }
    let hub: EventHub

    func run() async throws {
        await hub.run()
    }
}
