import ChatterCore
import ChatterIntel
import ChatterStore
import Logging
import ServiceLifecycle

/// The conversation-intelligence pipeline: one consumer group per agent, all running side by side.
struct IntelPipeline: Service, CustomStringConvertible {
    var description: String { "IntelPipeline" }
    let consumers: [IntelConsumer]
    let signal: EventSignal

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for consumer in consumers {
                // Only this node's commits that announced a message; the others (the agents' own `intel.updated`)
                // have nothing for them, and are passed over with the next message or the next poll.
                let wakeups = signal.wakeups(for: [.messageCreated])
                group.addTask { await consumer.run(wakeups: wakeups) }
            }
        }
    }
}
