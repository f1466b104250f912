import ChatterCore
import SQLKit

extension ConversationStore {
    /// Records one message of an observed conversation: its `seq` taken from the conversation's count under the
    /// write lock (as a chat turn does), and `message.created` in the same transaction, which is what the
    /// intelligence agents consume. Only `observe` conversations take these messages.
    public func recordObserved(
        conversationID: String, role: Message.Role, author: String?, content: String, for identity: Identity, correlationID: String?
    ) async throws -> Message {
        let now = Clock.nowMilliseconds()
        let message = Message(
            id: Identifier.make(), conversationID: conversationID, seq: 0, role: role, content: content, executionID: nil,
            llmCallID: nil, provider: nil, model: nil, usage: nil, costNanoUSD: nil, finishReason: nil, latencyMilliseconds: nil,
            ttftMilliseconds: nil, createdAtMilliseconds: now, author: author
        )
        let tenantID = identity.tenantID
        var script = SQLScript()
        script.add(
            """
            UPDATE conversations SET message_count = message_count + 1, last_message_at_ms = \(bind: now), updated_at_ms = \(bind: now)
            WHERE id = \(bind: conversationID) AND tenant_id = \(bind: tenantID) AND deleted_at_ms IS NULL AND mode = 'observe'
            AND (\(bind: identity.isAdmin ? 1 : 0) = 1 OR user_id = \(bind: identity.userID))
            RETURNING message_count, user_id
            """,
            whenEmpty: .notFound("conversation \(conversationID)")
        )
        script.add { results in
            var numbered = message
            numbered.seq = try results[0][0].decode(column: "message_count", as: Int64.self)
            return """
                INSERT INTO messages (id, tenant_id, conversation_id, seq, role, content, author, created_at_ms)
                VALUES (\(bind: numbered.id), \(bind: tenantID), \(bind: conversationID), \(bind: numbered.seq),
                        \(bind: role.rawValue), \(bind: content), \(bind: author), \(bind: now))
                """
        }
        script.add(event: { results in
            var data = JSONObjectWriter()
            data["message_id"] = .string(message.id)
            data["role"] = .string(role.rawValue)
            data["seq"] = .integer(try results[0][0].decode(column: "message_count", as: Int64.self))
            data["author"] = .optionalString(author)
            return EventDraft(
                .messageCreated, tenantID: tenantID, userID: try results[0][0].decode(column: "user_id", as: String.self),
                conversationID: conversationID, executionID: nil, correlationID: correlationID, atMilliseconds: now, data: data
            )
        })
        let results = try await database.run(script)
        var stored = message
        stored.seq = try results[0][0].decode(column: "message_count", as: Int64.self)
        return stored
    }
}
