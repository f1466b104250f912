import NIOCore
import Synchronization
import Testing

@testable import ChatterServer

/// A streamed response's bytes: what queued while the response was not reading comes out as one piece, in order,
/// and nothing is lost at the end; a response that stops reading reports the client gone.
@Suite struct CoalescingByteStreamTests {
    @Test func framesSentBeforeTheReadComeOutAsOnePieceAndTheEndLosesNothing() async throws {
        let (stream, source) = CoalescingByteStream.make(onClientGone: {})
        source.yield(ByteBuffer(string: "data: 1\n\n"))
        source.yield(ByteBuffer(string: "data: 2\n\n"))
        source.yield(ByteBuffer(string: "data: 3\n\n"))
        var iterator = stream.makeAsyncIterator()
        let first = try #require(await iterator.next())
        #expect(String(buffer: first) == "data: 1\n\ndata: 2\n\ndata: 3\n\n")

        source.yield(ByteBuffer(string: "data: 4\n\n"))
        source.yield(ByteBuffer(string: "data: [DONE]\n\n"))
        source.finish()
        let last = try #require(await iterator.next())
        #expect(String(buffer: last) == "data: 4\n\ndata: [DONE]\n\n")
        #expect(await iterator.next() == nil)
    }

    @Test func aReaderWaitingForBytesGetsEachSendInOrder() async throws {
        let (stream, source) = CoalescingByteStream.make(onClientGone: {})
        let reader = Task {
            var received = ""
            for await piece in stream { received += String(buffer: piece) }
            return received
        }
        for index in 0..<200 {
            source.yield(ByteBuffer(string: "\(index),"))
            if index % 7 == 0 { await Task.yield() }
        }
        source.finish()
        let expected = (0..<200).map { "\($0)," }.joined()
        #expect(await reader.value == expected)
    }

    @Test func aResponseThatStopsReadingReportsTheClientGoneAndKeepsNothing() async throws {
        let gone = Flag()
        var source: CoalescingByteStream.Source?
        do {
            let (stream, made) = CoalescingByteStream.make(onClientGone: { gone.set() })
            source = made
            var iterator = stream.makeAsyncIterator()
            made.yield(ByteBuffer(string: "first"))
            #expect(await iterator.next().map { String(buffer: $0) } == "first")
            #expect(!gone.isSet)
        }
        // The stream and its iterator are gone (the response was dropped): the producer learns it, and what it sends
        // after that is not kept.
        #expect(gone.isSet)
        source?.yield(ByteBuffer(string: "never read"))
        #expect(source?.pending.withLock { $0.readableBytes } == 0)
    }
}

private final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
