import Synchronization

/// One subscriber's bounded queue between the hub and the connection that writes its events. The hub never
/// waits on it: an offer to a full queue is refused (and the hub cuts the subscriber off). The writer takes
/// everything queued at once, so a connection that fell a little behind catches up in one write, not one per
/// event.
final class SubscriberQueue: Sendable {
    enum Offer {
        /// All taken.
        case enqueued
        /// The first `kept` were taken, the rest refused.
        case dropped(kept: Int)
        case terminated
    }

    private struct State {
        var items: [EventHub.Item] = []
        var waiter: CheckedContinuation<[EventHub.Item]?, Never>?
        /// No more offers; what is queued is still taken.
        var finished = false
        /// The reader went away.
        var terminated = false
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func offer(_ item: EventHub.Item) -> Offer {
        offer([item])
    }

    /// Offers `items` together, so that they are taken by one read of the queue (and go out in one write). If the
    /// queue has room for only some, it keeps those, in order, and refuses the rest. A reader already waiting takes one
    /// item beyond the limit, as it would have taken the first item alone.
    func offer(_ items: [EventHub.Item]) -> Offer {
        var handOff: (CheckedContinuation<[EventHub.Item]?, Never>, [EventHub.Item])?
        let result: Offer = state.withLock { state in
            if state.finished || state.terminated { return .terminated }
            if let waiter = state.waiter {
                state.waiter = nil
                handOff = (waiter, Array(items.prefix(limit + 1)))
                return items.count <= limit + 1 ? .enqueued : .dropped(kept: limit + 1)
            }
            let room = max(0, limit - state.items.count)
            state.items += items.prefix(room)
            return items.count <= room ? .enqueued : .dropped(kept: room)
        }
        if let (waiter, taken) = handOff { waiter.resume(returning: taken) }
        return result
    }

    func finish() {
        let waiter = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Everything queued (waiting for at least one item); nil once finished and drained, or cancelled.
    func next() async -> [EventHub.Item]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready: [EventHub.Item]?? = state.withLock { state in
                    if !state.items.isEmpty {
                        defer { state.items.removeAll(keepingCapacity: true) }
                        return .some(state.items)
                    }
                    if state.finished || state.terminated { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            terminate()
        }
    }

    func terminate() {
        let waiter = state.withLock { state in
            state.terminated = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
