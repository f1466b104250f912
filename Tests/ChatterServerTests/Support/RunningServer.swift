import Logging
import NIOCore
import ServiceLifecycle

/// An application started on a free loopback port for a test, stopped gracefully.
final class RunningServer: Sendable {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// `makeApplication` receives the callback to pass as the application's `onServerRunning`.
    static func start(
        logger: Logger, _ makeApplication: (@escaping @Sendable (any Channel) async -> Void) throws -> some Service
    ) async throws -> RunningServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = try makeApplication { channel in continuation.yield(channel.localAddress?.port ?? 0) }
        let group = ServiceGroup(configuration: .init(services: [.init(service: application)], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw TestFailure("\(logger.label) did not start") }
        return RunningServer(port: port, group: group, task: task)
    }

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
