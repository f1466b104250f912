import Foundation
import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// PostgreSQL's `LISTEN/NOTIFY` between the nodes that share a database. After a commit that appended to the
/// event log, a node sends `NOTIFY chatter_events`; each node holds one connection listening on that channel and
/// wakes its readers (the hub, the intelligence consumers) when another node has committed. The notification
/// carries no event, only a wake-up: the table stays the truth, and the readers' slow poll covers a notification
/// lost (a crash between commit and notify, or the listening connection being re-established).
///
/// The notify is sent after the commit, not inside the transaction, so it never lengthens a transaction holding
/// a conversation's lock; and sends coalesce (at most one in flight, one more if commits came meanwhile), since a
/// wake-up sent after the latest commit covers every earlier one.
final class EventNotifications: Sendable {
    static let channel = "chatter_events"

    /// This process's tag in the payload, so it can ignore its own notifications (its commits wake it directly).
    let tag = UUID().uuidString.lowercased()
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let listening = Mutex(false)
    private let sending = Mutex((inFlight: false, again: false))

    /// Whether the listening connection is currently up.
    var isListening: Bool { listening.withLock { $0 } }

    /// Tells the other nodes that this one has committed events.
    func committed(through sql: any SQLDatabase, logger: Logger) {
        let starts = sending.withLock { state in
            if state.inFlight { state.again = true }
            defer { state.inFlight = true }
            return !state.inFlight
        }
        guard starts else { return }
        Task { [self] in
            while true {
                do {
                    try await sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: tag))").run()
                } catch {
                    logger.warning("event notifications: NOTIFY failed; other nodes find the commit by their poll", metadata: ["error": "\(error)"])
                }
                let again = sending.withLock { state in
                    defer { state.again = false }
                    if !state.again { state.inFlight = false }
                    return state.again
                }
                if !again { return }
            }
        }
    }

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
