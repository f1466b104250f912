import NIOCore
import Synchronization

/// The bytes of a streamed response, from the task producing them to the response writing them. What the producer
/// sends while the response is still writing the previous piece goes out together with the next write: a burst of
/// frames (the deltas of one upstream read) costs one wake-up and one socket write, not one of each per frame.
/// Nothing waits to be merged: a frame sent to an idle response is written at once.
struct CoalescingByteStream: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    /// The producer's end.
    final class Source: Sendable {
        let pending = Mutex(ByteBuffer())
        /// Rings when bytes are pending; one ring stands for any number of sends.
        fileprivate let bell: AsyncStream<Void>.Continuation

        fileprivate init(bell: AsyncStream<Void>.Continuation) {
            self.bell = bell
        }

        func yield(_ bytes: ByteBuffer) {
            pending.withLock { pending in
                var bytes = bytes
                pending.writeBuffer(&bytes)
            }
            // Once the response has stopped reading, nothing is kept for it: a drain can run on for minutes.
            if case .terminated = bell.yield() { pending.withLock { $0.clear() } }
        }

        /// The response ends once it has written what was sent before.
        func finish() {
            bell.finish()
        }

        fileprivate func take() -> ByteBuffer? {
            pending.withLock { pending in
                guard pending.readableBytes > 0 else { return nil }
                defer { pending = ByteBuffer() }
                return pending
            }
        }
    }

    private let bells: AsyncStream<Void>
    private let source: Source

    /// `onClientGone` runs when the response stops reading before the producer finished (the client left, or the
    /// response was dropped).
    static func make(onClientGone: @escaping @Sendable () -> Void) -> (CoalescingByteStream, Source) {
        let (bells, bell) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        bell.onTermination = { termination in
            if case .cancelled = termination { onClientGone() }
        }
        let source = Source(bell: bell)
        return (CoalescingByteStream(bells: bells, source: source), source)
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(bells: bells.makeAsyncIterator(), source: source)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var bells: AsyncStream<Void>.Iterator
        let source: Source
        var finished = false

        mutating func next() async -> ByteBuffer? {
            while true {
                if let bytes = source.take() { return bytes }
                if finished { return nil }
                // The last ring comes after the last send, so one more look after the end finds every byte sent.
                if await bells.next() == nil { finished = true }
            }
        }
    }
}
