import ChatterCore
import SQLKit

extension IntelStore {
    /// One agent's result for one message.
    public struct Annotation: Sendable, Equatable {
        public var agent: String
        public var engine: String
        public var degradedReason: String?
        /// The result, a JSON object.
        public var result: String
    }

    /// A dead letter: a message an agent kept failing on.
    public struct DeadLetter: Sendable, Equatable {
        public var id: String
        public var tenantID: String
        public var conversationID: String
        public var messageID: String
        public var messageSeq: Int64
        public var agent: String
        public var error: String
        public var attempts: Int64
        /// `dead`, `retrying` (a retry was asked for) or `resolved` (a retry succeeded).
        public var status: String
        public var createdAtMilliseconds: Int64
        public var updatedAtMilliseconds: Int64
    }

    /// The merged insights of a conversation the caller may read, as a JSON object: each agent's latest result with
    /// its engine, degradation and watermark, under the version and sticky `has_pii` of the conversation's row. One
    /// statement, so the version and the agents' results are read from one snapshot. A conversation no agent has
    /// reported on yet has version 0 and no agents.
    public func insights(conversationID: String, for identity: Identity) async throws -> JSONObjectWriter {
        _ = try await ConversationStore(database: database).get(id: conversationID, for: identity)
        let rows = try await database.sql.raw(
            """
            SELECT i.version, i.has_pii, i.updated_at_ms, s.agent, s.engine, s.degraded_reason, s.watermark_seq, s.view,
                s.updated_at_ms AS agent_updated_at_ms
            FROM conversation_insights i LEFT JOIN intel_states s ON s.conversation_id = i.conversation_id
            WHERE i.conversation_id = \(bind: conversationID) AND i.tenant_id = \(bind: identity.tenantID)
            ORDER BY s.agent
            """
        ).all()
        let first = rows.first
        var insights = JSONObjectWriter()
        insights["conversation_id"] = .string(conversationID)
        insights["version"] = .integer(try first?.decode(column: "version", as: Int64.self) ?? 0)
        insights["has_pii"] = .bool(try first?.decode(column: "has_pii", as: Int64.self) == 1)
        insights["updated_at"] = .optionalString(try first.map { Timestamp.iso8601(milliseconds: try $0.decode(column: "updated_at_ms", as: Int64.self)) })
        var agents = JSONObjectWriter()
        for row in rows {
            guard let agent = try row.decode(column: "agent", as: String?.self) else { continue }
            agents[agent] = .object(
                Self.agentEntry(
                    engine: try row.decode(column: "engine", as: String.self), degradedReason: try row.decode(column: "degraded_reason", as: String?.self),
                    watermarkSeq: try row.decode(column: "watermark_seq", as: Int64.self),
                    updatedAtMilliseconds: try row.decode(column: "agent_updated_at_ms", as: Int64.self), result: try row.decode(column: "view", as: String.self)
                )
            )
        }
        insights["agents"] = .object(agents)
        return insights
    }

    /// The annotations of the given messages of one tenant, by message id.
    public func annotations(messageIDs: [String], tenantID: String) async throws -> [String: [Annotation]] {
        guard !messageIDs.isEmpty else { return [:] }
        let rows = try await database.sql.raw(
            """
            SELECT message_id, agent, engine, degraded_reason, result FROM message_annotations
            WHERE tenant_id = \(bind: tenantID) AND message_id IN (\(SQLList(messageIDs.map { SQLBind($0) })))
            ORDER BY agent
            """
        ).all()
        var byMessage: [String: [Annotation]] = [:]
        for row in rows {
            byMessage[try row.decode(column: "message_id", as: String.self), default: []].append(
                Annotation(
                    agent: try row.decode(column: "agent", as: String.self), engine: try row.decode(column: "engine", as: String.self),
                    degradedReason: try row.decode(column: "degraded_reason", as: String?.self), result: try row.decode(column: "result", as: String.self)
                )
            )
        }
        return byMessage
    }

    static let deadLetterColumns = """
        id, tenant_id, conversation_id, message_id, message_seq, agent, error, attempts, status, created_at_ms, updated_at_ms
        """

    /// A tenant's dead letters, newest first, optionally of one status.
    public func deadLetters(tenantID: String, status: String?, limit: Int) async throws -> [DeadLetter] {
        try await database.sql.raw(
            """
            SELECT \(unsafeRaw: Self.deadLetterColumns) FROM intel_dead_letters
            WHERE tenant_id = \(bind: tenantID) AND (\(bind: status == nil ? 1 : 0) = 1 OR status = \(bind: status ?? ""))
            ORDER BY created_at_ms DESC, id DESC LIMIT \(bind: limit)
            """
        ).all().map(Self.deadLetter(from:))
    }

    /// Asks for a dead letter to be retried: the agent's consumer replays the message's conversation.
    public func requestRetry(id: String, tenantID: String) async throws -> DeadLetter {
        let row = try await database.sql.raw(
            """
            UPDATE intel_dead_letters SET status = 'retrying', updated_at_ms = \(bind: Clock.nowMilliseconds())
            WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID) AND status IN ('dead', 'retrying')
            RETURNING \(unsafeRaw: Self.deadLetterColumns)
            """
        ).first()
        if let row { return try Self.deadLetter(from: row) }
        let exists = try await database.sql.raw(
            "SELECT id FROM intel_dead_letters WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID)"
        ).first()
        throw exists == nil ? ChatterError.notFound("dead letter \(id)") : ChatterError(.conflict, "dead letter \(id) is already resolved")
    }

    /// Dead letters of one agent waiting for a retry, oldest first.
    public func pendingRetries(agent: String, limit: Int) async throws -> [DeadLetter] {
        try await database.sql.raw(
            """
            SELECT \(unsafeRaw: Self.deadLetterColumns) FROM intel_dead_letters
            WHERE agent = \(bind: agent) AND status = 'retrying' ORDER BY updated_at_ms LIMIT \(bind: limit)
            """
        ).all().map(Self.deadLetter(from:))
    }

    /// Records another failed retry: the letter is dead again, with the new error.
    public func retryFailed(id: String, error: String) async throws {
        try await database.sql.raw(
            """
            UPDATE intel_dead_letters SET status = 'dead', error = \(bind: error), attempts = attempts + 1,
                updated_at_ms = \(bind: Clock.nowMilliseconds())
            WHERE id = \(bind: id)
            """
        ).run()
    }

    static func deadLetter(from row: any SQLRow) throws -> DeadLetter {
        DeadLetter(
            id: try row.decode(column: "id", as: String.self), tenantID: try row.decode(column: "tenant_id", as: String.self),
            conversationID: try row.decode(column: "conversation_id", as: String.self), messageID: try row.decode(column: "message_id", as: String.self),
            messageSeq: try row.decode(column: "message_seq", as: Int64.self), agent: try row.decode(column: "agent", as: String.self),
            error: try row.decode(column: "error", as: String.self), attempts: try row.decode(column: "attempts", as: Int64.self),
            status: try row.decode(column: "status", as: String.self), createdAtMilliseconds: try row.decode(column: "created_at_ms", as: Int64.self),
            updatedAtMilliseconds: try row.decode(column: "updated_at_ms", as: Int64.self)
        )
    }
}
