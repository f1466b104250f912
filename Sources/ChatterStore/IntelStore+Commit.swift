import ChatterCore
import SQLKit

extension IntelStore {
    /// What one agent made of one conversation's new messages.
    public struct ConversationOutput: Sendable {
        public struct Annotation: Sendable {
            public var messageID: String
            public var seq: Int64
            public var json: String

            public init(messageID: String, seq: Int64, json: String) {
                self.messageID = messageID
                self.seq = seq
                self.json = json
            }
        }

        public var tenantID: String
        public var userID: String
        public var conversationID: String
        /// The revision the output was folded from; nil when the conversation had no state for this agent.
        public var previousRev: Int64?
        public var watermarkSeq: Int64
        public var engine: String
        public var degradedReason: String?
        public var state: String
        public var view: String
        public var hasPII: Bool
        public var annotations: [Annotation]

        public init(
            tenantID: String, userID: String, conversationID: String, previousRev: Int64?, watermarkSeq: Int64, engine: String,
            degradedReason: String?, state: String, view: String, hasPII: Bool, annotations: [Annotation]
        ) {
            self.tenantID = tenantID
            self.userID = userID
            self.conversationID = conversationID
            self.previousRev = previousRev
            self.watermarkSeq = watermarkSeq
            self.engine = engine
            self.degradedReason = degradedReason
            self.state = state
            self.view = view
            self.hasPII = hasPII
            self.annotations = annotations
        }
    }

    /// A message an agent kept failing on.
    public struct DeadLetterDraft: Sendable {
        public var message: PendingMessage
        public var error: String
        public var attempts: Int

        public init(message: PendingMessage, error: String, attempts: Int) {
            self.message = message
            self.error = error
            self.attempts = attempts
        }
    }

    /// One agent's work, committed at once: the offset advance (when reading the log), every conversation's new
    /// state, annotations and merged view with its `intel.updated` event, dead letters, and resolved retries.
    public struct AgentCommit: Sendable {
        public var agent: String
        public var offset: (consumer: String, from: Int64, to: Int64)?
        public var outputs: [ConversationOutput]
        public var deadLetters: [DeadLetterDraft]
        public var resolvedDeadLetterIDs: [String]

        public init(
            agent: String, offset: (consumer: String, from: Int64, to: Int64)?, outputs: [ConversationOutput],
            deadLetters: [DeadLetterDraft] = [], resolvedDeadLetterIDs: [String] = []
        ) {
            self.agent = agent
            self.offset = offset
            self.outputs = outputs
            self.deadLetters = deadLetters
            self.resolvedDeadLetterIDs = resolvedDeadLetterIDs
        }
    }

    /// Another writer moved the offset or a state first: nothing was written, and the work is redone from a fresh read.
    public static let lostRace = ChatterError(.conflict, "another consumer committed first")

    /// Runs the commit as one script. The offset moves only from the value the batch was read at, and a state only
    /// from the revision it was folded from; otherwise the whole script is undone (`lostRace`).
    public func commit(_ work: AgentCommit) async throws {
        let now = Clock.nowMilliseconds()
        // Not fsynced on its own: the outputs and the offset are one commit, so a power loss that drops it drops
        // both, and the batch is analysed again. (It survives a crash of the process at once.)
        var script = SQLScript(durable: false)
        if let offset = work.offset {
            script.add(
                """
                UPDATE consumer_offsets SET seq = \(bind: offset.to), updated_at_ms = \(bind: now)
                WHERE consumer = \(bind: offset.consumer) AND seq = \(bind: offset.from) RETURNING seq
                """,
                whenEmpty: Self.lostRace
            )
        }
        // Conversations in a fixed order, so two agents' transactions lock the conversations' rows in the same order;
        // events last, so the event log's lock is never held while waiting for a conversation's row.
        var announcements: [(output: ConversationOutput, step: Int)] = []
        for output in work.outputs.sorted(by: { $0.conversationID < $1.conversationID }) {
            announcements.append((output, addOutput(output, agent: work.agent, at: now, to: &script)))
        }
        for letter in work.deadLetters {
            let message = letter.message
            script.add(
                """
                INSERT INTO intel_dead_letters (id, tenant_id, conversation_id, message_id, message_seq, event_seq, agent, error, attempts,
                    status, created_at_ms, updated_at_ms)
                VALUES (\(bind: Identifier.make()), \(bind: message.tenantID), \(bind: message.conversationID), \(bind: message.messageID),
                        \(bind: message.seq), \(bind: message.eventSeq), \(bind: work.agent), \(bind: letter.error), \(bind: Int64(letter.attempts)),
                        'dead', \(bind: now), \(bind: now))
                ON CONFLICT (agent, message_id) DO UPDATE SET error = excluded.error,
                    attempts = intel_dead_letters.attempts + excluded.attempts, status = 'dead', updated_at_ms = excluded.updated_at_ms
                """
            )
        }
        for id in work.resolvedDeadLetterIDs {
            script.add("UPDATE intel_dead_letters SET status = 'resolved', updated_at_ms = \(bind: now) WHERE id = \(bind: id)")
        }
        for (output, step) in announcements {
            // The event carries what changed (this agent's entry), not the whole merged view: a subscriber holds the
            // view from its snapshot and replaces the agent's entry, keeping the log small at hundreds of updates a second.
            script.add(event: { results in
                let row = results[step][0]
                var data = JSONObjectWriter()
                data["agent"] = .string(work.agent)
                data["message_seq"] = .integer(output.watermarkSeq)
                data["version"] = .integer(try row.decode(column: "version", as: Int64.self))
                data["has_pii"] = .bool(try row.decode(column: "has_pii", as: Int64.self) == 1)
                data["result"] = .object(
                    Self.agentEntry(
                        engine: output.engine, degradedReason: output.degradedReason, watermarkSeq: output.watermarkSeq, updatedAtMilliseconds: now,
                        result: output.view
                    )
                )
                return EventDraft(
                    .intelUpdated, tenantID: output.tenantID, userID: output.userID, conversationID: output.conversationID, executionID: nil,
                    correlationID: nil, atMilliseconds: now, data: data
                )
            })
        }
        _ = try await database.run(script)
    }

    /// Adds one conversation's output; returns the step whose row is the conversation's new version.
    private func addOutput(_ output: ConversationOutput, agent: String, at now: Int64, to script: inout SQLScript) -> Int {
        if let rev = output.previousRev {
            script.add(
                """
                UPDATE intel_states SET rev = \(bind: rev + 1), watermark_seq = \(bind: output.watermarkSeq), engine = \(bind: output.engine),
                    degraded_reason = \(bind: output.degradedReason), state = \(bind: output.state), view = \(bind: output.view),
                    updated_at_ms = \(bind: now)
                WHERE conversation_id = \(bind: output.conversationID) AND agent = \(bind: agent) AND rev = \(bind: rev) RETURNING rev
                """,
                whenEmpty: Self.lostRace
            )
        } else {
            // A concurrent first insert fails on the primary key, which undoes the script like a lost race.
            script.add(
                """
                INSERT INTO intel_states (conversation_id, agent, tenant_id, rev, watermark_seq, engine, degraded_reason, state, view, updated_at_ms)
                VALUES (\(bind: output.conversationID), \(bind: agent), \(bind: output.tenantID), 1, \(bind: output.watermarkSeq),
                        \(bind: output.engine), \(bind: output.degradedReason), \(bind: output.state), \(bind: output.view), \(bind: now))
                """
            )
        }
        for annotation in output.annotations {
            script.add(
                """
                INSERT INTO message_annotations (message_id, agent, tenant_id, conversation_id, message_seq, engine, degraded_reason, result, created_at_ms)
                VALUES (\(bind: annotation.messageID), \(bind: agent), \(bind: output.tenantID), \(bind: output.conversationID),
                        \(bind: annotation.seq), \(bind: output.engine), \(bind: output.degradedReason), \(bind: annotation.json), \(bind: now))
                ON CONFLICT (message_id, agent) DO UPDATE SET engine = excluded.engine, degraded_reason = excluded.degraded_reason,
                    result = excluded.result, created_at_ms = excluded.created_at_ms
                """
            )
        }
        // The aggregator. The merged view is each agent's latest state row, read together with this row (see
        // `insights`); the row itself carries the version every agent's commit moves, and `has_pii`, which stays
        // set once any agent saw PII. A stale result never reaches a state row (the revision check above), so the
        // view never goes back. One upsert, so on PostgreSQL two agents' commits take the row's lock in turn.
        script.add(
            """
            INSERT INTO conversation_insights (conversation_id, tenant_id, has_pii, version, updated_at_ms)
            VALUES (\(bind: output.conversationID), \(bind: output.tenantID), \(bind: output.hasPII ? 1 : 0), 1, \(bind: now))
            ON CONFLICT (conversation_id) DO UPDATE SET
                has_pii = CASE WHEN conversation_insights.has_pii = 1 OR excluded.has_pii = 1 THEN 1 ELSE 0 END,
                version = conversation_insights.version + 1, updated_at_ms = excluded.updated_at_ms
            RETURNING version, has_pii
            """
        )
        return script.count - 1
    }

    /// One agent's entry of the merged view, as `intel.updated` carries it and the merged view holds it.
    static func agentEntry(engine: String, degradedReason: String?, watermarkSeq: Int64, updatedAtMilliseconds: Int64, result: String) -> JSONObjectWriter {
        var entry = JSONObjectWriter()
        entry["engine"] = .string(engine)
        entry["degraded"] = .bool(degradedReason != nil)
        entry["degraded_reason"] = .optionalString(degradedReason)
        entry["watermark_seq"] = .integer(watermarkSeq)
        entry["updated_at"] = .string(Timestamp.iso8601(milliseconds: updatedAtMilliseconds))
        entry["result"] = .rawJSON(result)
        return entry
    }
}
