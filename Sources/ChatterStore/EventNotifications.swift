import Foundation
import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// PostgreSQL's `LISTEN/NOTIFY` between the nodes that share a database. A transaction that appends to the event
/// log queues `pg_notify('chatter_events', tag)` in the statement that takes the log's lock (`SQLScript`), so it
/// costs no round trip of its own and PostgreSQL sends it only if the transaction commits. Each node holds one
/// connection listening on that channel and wakes its readers (the hub, the intelligence consumers) when another
/// node has committed. The notification carries no event, only a wake-up: the table stays the truth, and the
/// readers' slow poll covers a notification missed while the listening connection is re-established.
final class EventNotifications: Sendable {
    static let channel = "chatter_events"

    /// This process's tag in the payload, so it can ignore its own notifications (its commits wake it directly).
    let tag = UUID().uuidString.lowercased()
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let listening = Mutex(false)

    /// Whether the listening connection is currently up.
    var isListening: Bool { listening.withLock { $0 } }

    /// Listens until `stop()`, reconnecting after a failure (1 s, then up to 30 s apart).
    func start(configuration: PostgresConnection.Configuration, eventLoop: any EventLoop, signal: EventSignal, logger: Logger) {
        let tag = self.tag
        let listener = Task { [self] in
            var delay: Duration = .seconds(1)
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(on: eventLoop, configuration: configuration, id: 0, logger: logger).get()
                    do {
                        try await connection.listen(on: Self.channel) { notifications in
                            self.listening.withLock { $0 = true }
                            delay = .seconds(1)
                            // Whatever was committed while this connection was down is read now.
                            signal.notify()
                            for try await notification in notifications where notification.payload != tag {
                                signal.notify()
                            }
                        }
                    } catch {
                        self.listening.withLock { $0 = false }
                        try? await connection.close()
                        throw error
                    }
                    self.listening.withLock { $0 = false }
                    try? await connection.close()
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("event notifications: listening connection lost; reconnecting", metadata: ["error": "\(String(reflecting: error))", "retry_in": "\(delay)"])
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(30))
            }
        }
        task.withLock { $0 = listener }
    }

    func stop() async {
        let listener = task.withLock { task in
            defer { task = nil }
            return task
        }
        listener?.cancel()
        await listener?.value
    }
}
