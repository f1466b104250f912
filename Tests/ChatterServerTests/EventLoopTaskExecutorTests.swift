import AsyncHTTPClient
import ChatterLLM
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

    /// Upstream calls made on a loop go out over that loop's client, whose connections live on the same loop.
    @Test func eachLoopHasItsOwnUpstreamClient() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let clients = UpstreamClients(configuration: .init(), group: group)
        var seen: [ObjectIdentifier] = []
        for loop in [group.next(), group.next()] {
            let (client, clientLoop) = try await loop.submit {
                (ObjectIdentifier(clients.current), clients.current.eventLoopGroup as? any EventLoop)
            }.get()
            #expect(clientLoop === loop)
            seen.append(client)
        }
        #expect(Set(seen).count == 2)
        // Off the group's loops, calls still have a client.
        #expect(seen.contains(ObjectIdentifier(clients.current)))
        try await clients.shutdown()
        try await group.shutdownGracefully()
    }
}
