import NIOCore

/// Runs a task's jobs on one NIO event loop: the loop of the connection the request came in on.
///
/// The model calls and chat turns a request starts (`InFlightWork`) prefer that loop, so that AsyncHTTPClient uses
/// the same loop (`UpstreamClients`) and SQLite may commit there when its writer is idle (`SQLiteWriter`).
///
/// Only that work runs here, not the connection's whole task. With every request's task on its connection's loop
/// the gateway added about 0.25 ms less at c=1, but the full test suite then failed 3 times in 8 (a request stalled
/// for seconds under load; the cause was not found), so handlers stay on Swift's pool.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// The executor of the request the current task serves; tasks it starts (`InFlightWork`) keep to it.
    @TaskLocal static var current: EventLoopTaskExecutor?
}
