import AsyncHTTPClient
import NIOCore

/// One AsyncHTTPClient per event loop of a group (NIO's shared one, which the server runs on too), each keeping its
/// connections on its own loop. A request's task keeps to the loop of its connection (`EventLoopTaskExecutor` in
/// the server), so its upstream call goes out and comes back on that same thread. With one client for the whole
/// group, a call could take an idle connection of another loop, and both its write and its answer crossed threads.
public final class UpstreamClients: Sendable {
    private let clients: [(loop: any EventLoop, client: HTTPClient)]

    public init(configuration: HTTPClient.Configuration, group: any EventLoopGroup = HTTPClient.defaultEventLoopGroup) {
        clients = group.makeIterator().map { loop in (loop, HTTPClient(eventLoopGroup: loop, configuration: configuration)) }
        precondition(!clients.isEmpty, "an event loop group without loops")
    }

    /// The client of the calling thread's loop; off the group's loops, the first.
    public var current: HTTPClient {
        (clients.first { $0.loop.inEventLoop } ?? clients[0]).client
    }

    public func shutdown() async throws {
        for entry in clients { try await entry.client.shutdown() }
    }
}
