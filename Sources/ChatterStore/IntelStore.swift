import ChatterCore
import Foundation
import SQLKit

/// The conversation-intelligence pipeline's storage: consumer offsets on the event log, each agent's running
/// state per conversation, per-message annotations, the merged view, and dead letters. An agent's output and its
/// offset advance are one script, so a crash never loses or repeats an effect.
public struct IntelStore: Sendable {
    let database: ChatterDatabase

    public init(database: ChatterDatabase) {
        self.database = database
    }

    /// A message announced by `message.created`, as the pipeline reads it.
    public struct PendingMessage: Sendable, Equatable {
        public var eventSeq: Int64
        public var tenantID: String
        public var userID: String
        public var conversationID: String
        public var messageID: String
        public var seq: Int64
        public var role: String
        public var content: String
    }

    /// The next messages after an offset, and the offset that reading them reaches.
    public struct Batch: Sendable {
        public var messages: [PendingMessage]
        public var nextOffset: Int64
    }

    /// An agent's stored running state for one conversation.
    public struct AgentState: Sendable, Equatable {
        public var rev: Int64
        public var watermarkSeq: Int64
        public var state: String
    }

    /// The consumer's offset, registering the consumer at the start of the log on first use.
    public func offset(of consumer: String) async throws -> Int64 {
        try await database.sql.raw(
            """
            INSERT INTO consumer_offsets (consumer, seq, updated_at_ms) VALUES (\(bind: consumer), 0, \(bind: Clock.nowMilliseconds()))
            ON CONFLICT (consumer) DO NOTHING
            """
        ).run()
        return try await database.sql.raw("SELECT seq FROM consumer_offsets WHERE consumer = \(bind: consumer)").first()?
            .decode(column: "seq", as: Int64.self) ?? 0
    }

    /// Every consumer's offset.
    public func offsets() async throws -> [String: Int64] {
        let rows = try await database.sql.raw("SELECT consumer, seq FROM consumer_offsets").all()
        return try Dictionary(uniqueKeysWithValues: rows.map { (try $0.decode(column: "consumer", as: String.self), try $0.decode(column: "seq", as: Int64.self)) })
    }

    /// Up to `limit` messages announced after `offset`, in log order. When fewer are found, the offset moves to
    /// `upTo` (the log's end when the read began), past the other events, so they are not scanned again. One
    /// statement: the announcements joined with their messages (the event's `data` holds the message id).
    public func messages(after offset: Int64, upTo: Int64, limit: Int) async throws -> Batch {
        let announcedID: SQLQueryString = database.kind == .postgres ? "(e.data::jsonb ->> 'message_id')" : "json_extract(e.data, '$.message_id')"
        let rows = try await database.sql.raw(
            """
            SELECT e.seq AS event_seq, m.id, m.tenant_id, m.conversation_id, m.seq, m.role, m.content, c.user_id FROM events e
            LEFT JOIN messages m ON m.id = \(announcedID)
            LEFT JOIN conversations c ON c.id = m.conversation_id
            WHERE e.seq > \(bind: offset) AND e.seq <= \(bind: upTo) AND e.type = \(bind: EventType.messageCreated.rawValue)
            ORDER BY e.seq LIMIT \(bind: limit)
            """
        ).all()
        let nextOffset = rows.count < limit ? upTo : try rows[rows.count - 1].decode(column: "event_seq", as: Int64.self)
        var messages: [PendingMessage] = []
        for row in rows {
            // An announcement whose message is gone (nothing deletes messages today) is passed over.
            guard try row.decode(column: "id", as: String?.self) != nil, try row.decode(column: "user_id", as: String?.self) != nil else { continue }
            var message = try Self.pendingMessage(from: row)
            message.eventSeq = try row.decode(column: "event_seq", as: Int64.self)
            messages.append(message)
        }
        return Batch(messages: messages, nextOffset: nextOffset)
    }

    /// All of one conversation's messages in order (a dead letter's retry replays the conversation).
    public func conversationMessages(conversationID: String, tenantID: String) async throws -> [PendingMessage] {
        try await database.sql.raw(
            """
            SELECT m.id, m.tenant_id, m.conversation_id, m.seq, m.role, m.content, c.user_id FROM messages m
            JOIN conversations c ON c.id = m.conversation_id
            WHERE m.conversation_id = \(bind: conversationID) AND m.tenant_id = \(bind: tenantID) ORDER BY m.seq
            """
        ).all().map(Self.pendingMessage(from:))
    }

    /// A message row joined with its conversation's owner (`eventSeq` is set by the caller that knows it).
    static func pendingMessage(from row: any SQLRow) throws -> PendingMessage {
        PendingMessage(
            eventSeq: 0, tenantID: try row.decode(column: "tenant_id", as: String.self), userID: try row.decode(column: "user_id", as: String.self),
            conversationID: try row.decode(column: "conversation_id", as: String.self), messageID: try row.decode(column: "id", as: String.self),
            seq: try row.decode(column: "seq", as: Int64.self), role: try row.decode(column: "role", as: String.self),
            content: try row.decode(column: "content", as: String.self)
        )
    }

    /// An agent's states for the given conversations.
    public func states(agent: String, conversationIDs: [String]) async throws -> [String: AgentState] {
        guard !conversationIDs.isEmpty else { return [:] }
        let rows = try await database.sql.raw(
            """
            SELECT conversation_id, rev, watermark_seq, state FROM intel_states
            WHERE agent = \(bind: agent) AND conversation_id IN (\(SQLList(conversationIDs.map { SQLBind($0) })))
            """
        ).all()
        var states: [String: AgentState] = [:]
        for row in rows {
            states[try row.decode(column: "conversation_id", as: String.self)] = AgentState(
                rev: try row.decode(column: "rev", as: Int64.self), watermarkSeq: try row.decode(column: "watermark_seq", as: Int64.self),
                state: try row.decode(column: "state", as: String.self)
            )
        }
        return states
    }
}
