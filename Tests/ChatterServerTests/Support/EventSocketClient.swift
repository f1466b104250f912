import ChatterCore
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Synchronization

/// A live client of `GET /api/v1/ws`: sends what the test says, collects every JSON message the server sends.
final class EventSocketClient: Sendable {
    private let received = Mutex<[JSONValue]>([])
    private let outgoing: AsyncStream<String>.Continuation
    private let connection: Mutex<Task<Void, any Error>?> = Mutex(nil)

    private init(outgoing: AsyncStream<String>.Continuation) {
        self.outgoing = outgoing
    }

    static func connect(_ harness: Harness, key: String = Harness.adminKey) -> EventSocketClient {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let client = EventSocketClient(outgoing: continuation)
        var logger = Logger(label: "ws-test-client")
        logger.logLevel = .critical
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(key)"
        let url = "ws://127.0.0.1:\(harness.port)/api/v1/ws"
        let task = Task {
            _ = try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await text in stream { try await outbound.write(.text(text)) }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
                            client.received.withLock { $0.append(value) }
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
        client.connection.withLock { $0 = task }
        return client
    }

    func send(_ text: String) {
        outgoing.yield(text)
    }

    var messages: [JSONValue] { received.withLock { $0 } }

    /// The connection's outcome: throws when the upgrade was refused.
    func result() async throws {
        try await connection.withLock { $0 }!.value
    }

    @discardableResult
    func wait(timeout: Duration = .seconds(45), until condition: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let messages = self.messages
            if condition(messages) { return messages }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("socket messages not received within \(timeout); got \(messages.count)")
    }

    func close() async {
        outgoing.finish()
        _ = try? await connection.withLock { $0 }?.value
    }
}
