import ChatterCore
@testable import ChatterStore
import Synchronization
import Testing

/// The node's commit signal: a waiter for some event types wakes only for commits that wrote one of them, and on
/// every `notify()` (polls, other nodes' commits), whose types are unknown.
@Suite struct EventSignalTests {
    final class Counter: Sendable {
        let value = Mutex(0)
        func count(_ stream: AsyncStream<Void>) -> Task<Void, Never> {
            Task { for await _ in stream { value.withLock { $0 += 1 } } }
        }
        var current: Int { value.withLock { $0 } }
    }

    @Test func aFilteredWaiterWakesForItsTypesAndOnNotifyOnly() async throws {
        let signal = EventSignal()
        let (messages, everything) = (Counter(), Counter())
        let tasks = [messages.count(signal.wakeups(for: [.messageCreated])), everything.count(signal.wakeups())]
        defer { for task in tasks { task.cancel() } }
        let settle = Duration.milliseconds(300)

        signal.committed([.intelUpdated])
        try await Task.sleep(for: settle)
        #expect(messages.current == 0)
        #expect(everything.current == 1)

        signal.committed([.intelUpdated, .messageCreated])
        try await Task.sleep(for: settle)
        #expect(messages.current == 1)
        #expect(everything.current == 2)

        signal.notify()
        try await Task.sleep(for: settle)
        #expect(messages.current == 2)
        #expect(everything.current == 3)
    }
}
