import ChatterIntel
import ChatterStore
import Logging
import ServiceLifecycle

/// The conversation-intelligence pipeline: one consumer group per agent, all running side by side.
struct IntelPipeline: Service {
    let consumers: [IntelConsumer]
    let signal: EventSignal

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for consumer in consumers {
                let wakeups = signal.wakeups()
                group.addTask { await consumer.run(wakeups: wakeups) }
            }
        }
    }
}
