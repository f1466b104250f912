import NIOCore
import NIOEmbedded
import Testing

@testable import ChatterServer

/// What is written and flushed in one turn of the event loop leaves in one socket write; a close loses nothing.
@Suite struct FlushCoalescerTests {
    @Test func flushesInOneTurnBecomeOneAndRunAsTheNextTask() throws {
        let channel = EmbeddedChannel(handler: FlushCoalescer())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.write(ByteBuffer(string: "head"), promise: nil)
        channel.flush()
        channel.write(ByteBuffer(string: "body"), promise: nil)
        channel.flush()
        // Nothing has reached the socket yet: the flush is the loop's next task.
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        channel.embeddedEventLoop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "head"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "body"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)

        // A later turn flushes on its own.
        channel.write(ByteBuffer(string: "end"), promise: nil)
        channel.flush()
        channel.embeddedEventLoop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "end"))
    }

    @Test func aCloseFlushesWhatWasWrittenFirst() throws {
        let channel = EmbeddedChannel(handler: FlushCoalescer())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.write(ByteBuffer(string: "last words"), promise: written)
        channel.flush()
        _ = try channel.close().wait()
        #expect(throws: Never.self) { try written.futureResult.wait() }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "last words"))
    }
}
