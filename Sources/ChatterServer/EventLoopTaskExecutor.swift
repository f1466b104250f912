import NIOCore

/// Runs a task's jobs on one NIO event loop: the loop of the connection the request came in on.
///
/// A request's task would otherwise run on Swift's shared pool, so each step crossed threads: the request read on
/// the connection's loop, the handler on a pool thread, the upstream answer read on a loop and handed back to the
/// pool, the response handed back to the connection's loop. Every crossing wakes a sleeping thread. With the task
/// preferring the connection's loop, and AsyncHTTPClient preferring the loop it is called from, those steps run on
/// one thread (and SQLite commits there too when its writer is idle: `SQLiteWriter`).
///
/// What such a task does between two waits holds up the other connections of its loop, as a pool thread's work
/// held up other tasks before: request handlers do short work and wait for the rest. Long CPU work (the
/// intelligence engines) runs in background tasks on Swift's pool, not here.
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
