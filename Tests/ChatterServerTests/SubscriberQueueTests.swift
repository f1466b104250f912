import ChatterCore
@testable import ChatterServer
import Testing

/// A subscriber's queue takes the events of one read of the log in one offer: its reader gets them in one batch
/// (one write on the wire), and a batch that does not fit keeps what fits, in order, and refuses the rest.
@Suite struct SubscriberQueueTests {
    static func events(_ seqs: ClosedRange<Int64>) -> [EventHub.Item] {
        seqs.map { seq in
            .event(
                RenderedEvent(
                    StoredEvent(
                        seq: seq, id: "evt_\(seq)", type: "message.created", tenantID: "t", userID: nil, conversationID: nil,
                        executionID: nil, correlationID: nil, atMilliseconds: 0, data: "{}"
                    )
                )
            )
        }
    }

    static func seqs(_ items: [EventHub.Item]?) -> [Int64] {
        (items ?? []).compactMap { item in
            if case .event(let event) = item { return event.seq }
            return nil
        }
    }

    @Test func aBatchOfferedToAWaitingReaderArrivesInOneRead() async throws {
        let queue = SubscriberQueue(limit: 4)
        let reader = Task { await queue.next() }
        // The reader is parked once the queue holds a waiter; offering before that queues the batch instead, and the
        // reader takes it in one read either way.
        try await Task.sleep(for: .milliseconds(50))
        guard case .enqueued = queue.offer(Self.events(1...3)) else { Issue.record("refused"); return }
        #expect(Self.seqs(await reader.value) == [1, 2, 3])
    }

    @Test func queuedBatchesAreTakenTogetherAndInOrder() async {
        let queue = SubscriberQueue(limit: 5)
        guard case .enqueued = queue.offer(Self.events(1...2)), case .enqueued = queue.offer(Self.events(3...5)) else {
            Issue.record("refused")
            return
        }
        #expect(Self.seqs(await queue.next()) == [1, 2, 3, 4, 5])
    }

    @Test func aBatchThatDoesNotFitKeepsWhatFitsAndIsRefused() async {
        let queue = SubscriberQueue(limit: 3)
        guard case .enqueued = queue.offer(Self.events(1...1)) else {
            Issue.record("refused")
            return
        }
        guard case .dropped(let kept) = queue.offer(Self.events(2...5)) else {
            Issue.record("a batch beyond the limit was taken whole")
            return
        }
        #expect(kept == 2)
        #expect(Self.seqs(await queue.next()) == [1, 2, 3])
    }

    @Test func aWaitingReaderTakesOneBeyondTheLimitAsBefore() async throws {
        let queue = SubscriberQueue(limit: 2)
        let reader = Task { await queue.next() }
        try await Task.sleep(for: .milliseconds(50))
        let offer = queue.offer(Self.events(1...5))
        let taken = Self.seqs(await reader.value)
        // Parked reader: it takes limit + 1; had the offer come first, the queue would have kept `limit`.
        switch offer {
        case .dropped(let kept):
            #expect(kept == taken.count)
            #expect(taken == Array(1...Int64(kept)))
            #expect(kept == 3 || kept == 2)
        default:
            Issue.record("a batch beyond the limit was taken whole")
        }
    }
}
