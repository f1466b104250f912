import Synchronization

/// Turns and gateway calls running in their own tasks (so a client cannot cut them short). Shutdown waits
/// for them, up to a limit, before closing the database, so their ledger rows are finalised.
final class InFlightWork: Sendable {
    private let running = Mutex(0)

    /// Runs `body` in a new task that is counted until it ends. The task starts on the calling thread and runs
    /// there until it first waits, which spares the hand-off of a new task to another thread; started by a
    /// request, it keeps to the request's event loop (`EventLoopTaskExecutor`).
    @discardableResult
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> Task<T, any Error> {
        running.withLock { $0 += 1 }
        return Task.immediate(executorPreference: EventLoopTaskExecutor.current) {
            defer { running.withLock { $0 -= 1 } }
            return try await body()
        }
    }

    var count: Int { running.withLock { $0 } }

    /// Returns when nothing is running, or after `limit`.
    func drain(limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
