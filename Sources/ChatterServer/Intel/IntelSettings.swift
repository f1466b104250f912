import ChatterIntel
import Synchronization

/// How the intelligence consumers run.
struct IntelSettings: Sendable {
    /// Messages read per batch (one transaction per agent per batch).
    var batchSize = 256
    /// Tries of an agent on the same messages before the message at fault is dead-lettered.
    var maxAttempts = 3
    /// Wait before the second try; doubled for each further one.
    var retryBackoff: Duration = .milliseconds(50)
    /// How often the log is read for what other nodes committed.
    var pollInterval: Duration = .seconds(2)
    /// How long reading past events that hold no message may go unrecorded in the stored offset (lag shows it).
    var offsetSaveInterval: Duration = .seconds(1)
    /// How often the dead letters asked to be retried through another node are looked for.
    var retryCheckInterval: Duration = .seconds(5)
    /// Conversations analysed at once per agent: 1 for the offline engines (CPU-bound), more for a language model.
    var parallelConversations = 1
}

/// What the consumers report (metrics), and retry requests made through this node's API.
final class IntelObserver: Sendable {
    private let retryRequests = Mutex<Set<IntelAgentKind>>([])
    private let counts = Mutex<[IntelAgentKind: (messages: Int64, deadLetters: Int64)]>([:])

    func requestRetry(for agent: IntelAgentKind) {
        _ = retryRequests.withLock { $0.insert(agent) }
    }

    func takeRetryRequest(for agent: IntelAgentKind) -> Bool {
        retryRequests.withLock { $0.remove(agent) != nil }
    }

    func processed(_ agent: IntelAgentKind, messages: Int, deadLetters: Int) {
        counts.withLock {
            $0[agent, default: (0, 0)].messages += Int64(messages)
            $0[agent, default: (0, 0)].deadLetters += Int64(deadLetters)
        }
    }

    /// Messages processed and dead-lettered by this node, per agent (the lag comes from the stored offsets).
    var snapshot: [IntelAgentKind: (messages: Int64, deadLetters: Int64)] {
        counts.withLock { $0 }
    }
}
