import NIOCore
import NIOPosix
import Testing

@testable import ChatterServer

/// A request's task keeps to its connection's event loop across waits, and so do the tasks it starts.
@Suite struct EventLoopTaskExecutorTests {
    @Test func aTaskPreferringTheLoopRunsOnItAcrossWaitsAndSoDoesTheWorkItStarts() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loop = group.next()
        let other = group.next()
        #expect(loop !== other)
        let executor = EventLoopTaskExecutor(loop)
        let work = InFlightWork()
        let seen = try await withTaskExecutorPreference(executor) {
            try await EventLoopTaskExecutor.$current.withValue(executor) {
                var seen: [Bool] = []
                try await Task.sleep(for: .milliseconds(2))
                seen.append(loop.inEventLoop)
                // A wait that resumes from another thread: a future completed by another loop.
                try await other.scheduleTask(in: .milliseconds(2)) {}.futureResult.get()
                seen.append(loop.inEventLoop)
                let started = try await work.run {
                    try await Task.sleep(for: .milliseconds(2))
                    return loop.inEventLoop
                }.value
                seen.append(started)
                return seen
            }
        }
        #expect(seen == [true, true, true])
        // Outside a request, work runs on Swift's pool as before.
        let outside = try await work.run { loop.inEventLoop }.value
        #expect(!outside)
        try await group.shutdownGracefully()
    }
}
