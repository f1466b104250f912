import ChatterCore
import SQLKit

/// Conversations and their messages, always scoped by tenant (and by user for non-admins).
/// A conversation of another tenant, or a deleted one, is simply not found.
public struct ConversationStore: Sendable {
    let database: ChatterDatabase

    public init(database: ChatterDatabase) {
        self.database = database
    }

    static let columns = """
        id, tenant_id, user_id, title, model, system_prompt, message_count, calls, input_tokens, cached_input_tokens,
        cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd, unpriced_calls, last_message_at_ms,
        created_at_ms, updated_at_ms, mode
        """

    public func create(
        owner: Identity, title: String?, model: String?, systemPrompt: String?, mode: ConversationMode = .assistant, correlationID: String? = nil
    ) async throws -> Conversation {
        let now = Clock.nowMilliseconds()
        let id = Identifier.make()
        var script = SQLScript()
        script.add(
            """
            INSERT INTO conversations (id, tenant_id, user_id, title, model, system_prompt, mode, created_at_ms, updated_at_ms)
            VALUES (\(bind: id), \(bind: owner.tenantID), \(bind: owner.userID), \(bind: title), \(bind: model),
                    \(bind: systemPrompt), \(bind: mode.rawValue), \(bind: now), \(bind: now))
            RETURNING \(unsafeRaw: Self.columns)
            """
        )
        var data = JSONObjectWriter()
        data["title"] = .optionalString(title)
        data["model"] = .optionalString(model)
        data["mode"] = .string(mode.rawValue)
        script.add(
            event: EventDraft(
                .conversationCreated, tenantID: owner.tenantID, userID: owner.userID, conversationID: id, executionID: nil,
                correlationID: correlationID, atMilliseconds: now, data: data
            )
        )
        return try Self.conversation(from: try await database.run(script)[0][0])
    }

    public func get(id: String, for identity: Identity) async throws -> Conversation {
        try await find(id: id, for: identity, on: database.sql)
    }

    func find(id: String, for identity: Identity, on sql: any SQLDatabase) async throws -> Conversation {
        let row = try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM conversations
            WHERE id = \(bind: id) AND tenant_id = \(bind: identity.tenantID) AND deleted_at_ms IS NULL
            AND (\(bind: identity.isAdmin ? 1 : 0) = 1 OR user_id = \(bind: identity.userID))
            """
        ).first()
        guard let row else { throw ChatterError.notFound("conversation \(id)") }
        return try Self.conversation(from: row)
    }

    /// Newest first; `cursor` is the id of the last conversation of the previous page.
    public func list(for identity: Identity, limit: Int, cursor: String?) async throws -> (items: [Conversation], nextCursor: String?) {
        let rows = try await database.sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM conversations
            WHERE tenant_id = \(bind: identity.tenantID) AND deleted_at_ms IS NULL
            AND (\(bind: identity.isAdmin ? 1 : 0) = 1 OR user_id = \(bind: identity.userID))
            AND (\(bind: cursor == nil ? 1 : 0) = 1 OR id < \(bind: cursor ?? ""))
            ORDER BY id DESC LIMIT \(bind: limit + 1)
            """
        ).all()
        let items = try rows.prefix(limit).map(Self.conversation(from:))
        return (items, rows.count > limit ? items.last?.id : nil)
    }

    /// Changes the given fields; a field passed as `.some(nil)` is cleared.
    public func update(id: String, for identity: Identity, title: String??, model: String??, systemPrompt: String??) async throws -> Conversation {
        try await database.transaction { sql in
            var current = try await find(id: id, for: identity, on: sql)
            // As on create: an observed conversation gets no LLM reply, so it takes no model or system prompt.
            if current.mode == .observe, (model ?? nil) != nil || (systemPrompt ?? nil) != nil {
                throw ChatterError.invalid("an observed conversation gets no LLM reply, so it takes no model or system_prompt")
            }
            if let title { current.title = title }
            if let model { current.model = model }
            if let systemPrompt { current.systemPrompt = systemPrompt }
            try await sql.raw(
                """
                UPDATE conversations SET title = \(bind: current.title), model = \(bind: current.model),
                system_prompt = \(bind: current.systemPrompt), updated_at_ms = \(bind: Clock.nowMilliseconds())
                WHERE id = \(bind: id) AND tenant_id = \(bind: identity.tenantID)
                """
            ).run()
            return try await find(id: id, for: identity, on: sql)
        }
    }

    /// Soft delete: the conversation and its messages stay for the ledger, but no longer appear.
    public func delete(id: String, for identity: Identity) async throws {
        try await database.transaction { sql in
            _ = try await find(id: id, for: identity, on: sql)
            try await sql.raw(
                "UPDATE conversations SET deleted_at_ms = \(bind: Clock.nowMilliseconds()) WHERE id = \(bind: id) AND tenant_id = \(bind: identity.tenantID)"
            ).run()
        }
    }

    /// Messages in order; `afterSeq` continues from a previous page.
    public func messages(conversationID: String, for identity: Identity, afterSeq: Int64, limit: Int) async throws -> [Message] {
        _ = try await get(id: conversationID, for: identity)
        return try await database.sql.raw(
            """
            SELECT \(unsafeRaw: Self.messageColumns) FROM messages
            WHERE conversation_id = \(bind: conversationID) AND tenant_id = \(bind: identity.tenantID) AND seq > \(bind: afterSeq)
            ORDER BY seq LIMIT \(bind: limit)
            """
        ).all().map(Self.message(from:))
    }

    /// The newest messages whose estimated size fits `tokenBudget`, oldest first: their role and content, which is
    /// all a model is sent (a turn reads only these two columns).
    public func history(
        conversationID: String, tenantID: String, tokenBudget: Int64, count: (String) -> Int64
    ) async throws -> [(role: Message.Role, content: String)] {
        let rows = try await database.sql.raw(
            """
            SELECT role, content FROM messages
            WHERE conversation_id = \(bind: conversationID) AND tenant_id = \(bind: tenantID)
            ORDER BY seq DESC LIMIT 500
            """
        ).all()
        var kept: [(role: Message.Role, content: String)] = []
        var used: Int64 = 0
        for row in rows {
            let content = try row.decode(column: "content", as: String.self)
            let size = count(content)
            if used + size > tokenBudget { break }
            let role = try row.decode(column: "role", as: String.self)
            kept.append((Message.Role(rawValue: role) ?? .user, content))
            used += size
        }
        return kept.reversed()
    }

    static let messageColumns = """
        id, conversation_id, seq, role, content, execution_id, llm_call_id, provider, model, usage_source, input_tokens,
        cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd, finish_reason, latency_ms,
        ttft_ms, created_at_ms, author
        """

    static func conversation(from row: any SQLRow) throws -> Conversation {
        Conversation(
            id: try row.decode(column: "id", as: String.self),
            tenantID: try row.decode(column: "tenant_id", as: String.self),
            userID: try row.decode(column: "user_id", as: String.self),
            title: try row.decode(column: "title", as: String?.self),
            model: try row.decode(column: "model", as: String?.self),
            systemPrompt: try row.decode(column: "system_prompt", as: String?.self),
            messageCount: try row.decode(column: "message_count", as: Int64.self),
            totals: try totals(from: row),
            lastMessageAtMilliseconds: try row.decode(column: "last_message_at_ms", as: Int64?.self),
            createdAtMilliseconds: try row.decode(column: "created_at_ms", as: Int64.self),
            updatedAtMilliseconds: try row.decode(column: "updated_at_ms", as: Int64.self),
            mode: ConversationMode(rawValue: try row.decode(column: "mode", as: String.self)) ?? .assistant
        )
    }

    static func totals(from row: any SQLRow) throws -> UsageTotals {
        UsageTotals(
            calls: try row.decode(column: "calls", as: Int64.self),
            inputTokens: try row.decode(column: "input_tokens", as: Int64.self),
            cachedInputTokens: try row.decode(column: "cached_input_tokens", as: Int64.self),
            cacheWriteTokens: try row.decode(column: "cache_write_tokens", as: Int64.self),
            outputTokens: try row.decode(column: "output_tokens", as: Int64.self),
            reasoningTokens: try row.decode(column: "reasoning_tokens", as: Int64.self),
            costNanoUSD: try row.decode(column: "cost_nanousd", as: Int64.self),
            unpricedCalls: try row.decode(column: "unpriced_calls", as: Int64.self)
        )
    }

    static func message(from row: any SQLRow) throws -> Message {
        let source = try row.decode(column: "usage_source", as: String?.self).flatMap(UsageSource.init(rawValue:))
        let usage = try source.map { source in
            Usage(
                inputTokens: try row.decode(column: "input_tokens", as: Int64?.self) ?? 0,
                cachedInputTokens: try row.decode(column: "cached_input_tokens", as: Int64?.self) ?? 0,
                cacheWriteTokens: try row.decode(column: "cache_write_tokens", as: Int64?.self) ?? 0,
                outputTokens: try row.decode(column: "output_tokens", as: Int64?.self) ?? 0,
                reasoningTokens: try row.decode(column: "reasoning_tokens", as: Int64?.self) ?? 0,
                source: source
            )
        }
        return Message(
            id: try row.decode(column: "id", as: String.self),
            conversationID: try row.decode(column: "conversation_id", as: String.self),
            seq: try row.decode(column: "seq", as: Int64.self),
            role: Message.Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .user,
            content: try row.decode(column: "content", as: String.self),
            executionID: try row.decode(column: "execution_id", as: String?.self),
            llmCallID: try row.decode(column: "llm_call_id", as: String?.self),
            provider: try row.decode(column: "provider", as: String?.self),
            model: try row.decode(column: "model", as: String?.self),
            usage: usage,
            costNanoUSD: try row.decode(column: "cost_nanousd", as: Int64?.self),
            finishReason: try row.decode(column: "finish_reason", as: String?.self),
            latencyMilliseconds: try row.decode(column: "latency_ms", as: Int64?.self),
            ttftMilliseconds: try row.decode(column: "ttft_ms", as: Int64?.self),
            createdAtMilliseconds: try row.decode(column: "created_at_ms", as: Int64.self),
            author: try row.decode(column: "author", as: String?.self)
        )
    }
}
