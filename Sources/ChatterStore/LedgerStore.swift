import ChatterCore
import Foundation
import SQLKit

/// What is known before an upstream call is sent.
public struct CallStart: Sendable {
    public var identity: Identity
    public var conversationID: String?
    public var correlationID: String?
    /// `chat`, later `gateway`, `workflow`, …
    public var executionKind: String
    /// What the call is for: `chat`, later `intel.summary`, …
    public var purpose: String
    /// The user's message to persist with the turn's start; nil for calls that add no message.
    public var userContent: String?
    public var provider: String
    public var model: String
    public var streamed: Bool
    /// Our estimate of the prompt, kept so a call interrupted by a crash can still be finalised with numbers.
    public var estimatedInputTokens: Int64
    public var nodeID: String

    public init(
        identity: Identity, conversationID: String?, correlationID: String?, executionKind: String, purpose: String,
        userContent: String?, provider: String, model: String, streamed: Bool, estimatedInputTokens: Int64, nodeID: String
    ) {
        self.identity = identity
        self.conversationID = conversationID
        self.correlationID = correlationID
        self.executionKind = executionKind
        self.purpose = purpose
        self.userContent = userContent
        self.provider = provider
        self.model = model
        self.streamed = streamed
        self.estimatedInputTokens = estimatedInputTokens
        self.nodeID = nodeID
    }
}

/// A call recorded as `in_flight`, with the execution and user message written in the same transaction.
public struct StartedCall: Sendable {
    public var tenantID: String
    public var correlationID: String?
    /// The execution's kind: `chat`, `gateway`, …
    public var executionKind: String
    public var attempt: Int
    public var purpose: String
    public var userID: String
    public var apiKeyID: String
    public var executionID: String
    public var llmCallID: String
    public var conversationID: String?
    public var provider: String
    public var model: String
    public var userMessage: Message?
    public var startedAtMilliseconds: Int64
    public var day: String
}

/// How a call ended, priced.
public struct CallOutcome: Sendable {
    public var status: LLMCallStatus
    public var usage: Usage
    public var pricing: Pricing
    public var finishReason: String?
    public var upstreamRequestID: String?
    public var responseModel: String?
    public var error: String?
    public var firstTokenAtMilliseconds: Int64?
    public var finishedAtMilliseconds: Int64
    /// The provider's own generation time, when it reports one (Ollama): tokens/s come from it.
    public var generationMicroseconds: Int64?
    /// The assistant message to store, when the call produced one to keep.
    public var assistantMessage: (id: String, content: String)?
    /// The execution's end, when this call ends it.
    public var executionStatus: ExecutionStatus?

    public init(
        status: LLMCallStatus, usage: Usage, pricing: Pricing, finishReason: String? = nil, upstreamRequestID: String? = nil,
        responseModel: String? = nil, error: String? = nil, firstTokenAtMilliseconds: Int64? = nil, finishedAtMilliseconds: Int64,
        generationMicroseconds: Int64? = nil, assistantMessage: (id: String, content: String)? = nil, executionStatus: ExecutionStatus?
    ) {
        self.generationMicroseconds = generationMicroseconds
        self.status = status
        self.usage = usage
        self.pricing = pricing
        self.finishReason = finishReason
        self.upstreamRequestID = upstreamRequestID
        self.responseModel = responseModel
        self.error = error
        self.firstTokenAtMilliseconds = firstTokenAtMilliseconds
        self.finishedAtMilliseconds = finishedAtMilliseconds
        self.assistantMessage = assistantMessage
        self.executionStatus = executionStatus
    }
}

public struct FinishedCall: Sendable {
    public var assistantMessage: Message?
    public var conversation: Conversation?
}

/// The ledger: every upstream call is an `llm_calls` row written before the request and finalised after;
/// everything derived from it (messages, conversation totals, execution totals, daily rollups) is written
/// in the finalising transaction with SQL increments, never read-modify-write.
public struct LedgerStore: Sendable {
    let database: ChatterDatabase
    /// Learns every finalised call once its transaction has committed (metrics derive from it).
    let onFinished: @Sendable (StartedCall, CallOutcome) -> Void

    public init(database: ChatterDatabase, onFinished: @escaping @Sendable (StartedCall, CallOutcome) -> Void = { _, _ in }) {
        self.database = database
        self.onFinished = onFinished
    }

    /// One transaction: the execution (`running`), the user message (its `seq` taken from the conversation's
    /// `message_count`, incremented under the write lock so seqs are unique and gap-free), and the `in_flight`
    /// call. The commit is visible at once and survives a crash of the process; on SQLite it reaches the disk
    /// with the next durable commit, on PostgreSQL within the WAL writer's delay (`synchronous_commit = off`).
    public func start(_ call: CallStart) async throws -> StartedCall {
        let now = Clock.nowMilliseconds()
        let executionID = Identifier.make()
        let llmCallID = Identifier.make()
        let tenantID = call.identity.tenantID
        let day = UTCDay.string(fromMilliseconds: now)
        var userMessage: Message?
        var script = SQLScript(durable: false)
        if let conversationID = call.conversationID, let content = call.userContent {
            let message = Message(
                id: Identifier.make(), conversationID: conversationID, seq: 0, role: .user, content: content,
                executionID: executionID, llmCallID: nil, provider: nil, model: nil, usage: nil, costNanoUSD: nil,
                finishReason: nil, latencyMilliseconds: nil, ttftMilliseconds: nil, createdAtMilliseconds: now
            )
            userMessage = message
            script.add(
                """
                UPDATE conversations SET message_count = message_count + 1, last_message_at_ms = \(bind: now), updated_at_ms = \(bind: now)
                WHERE id = \(bind: conversationID) AND tenant_id = \(bind: tenantID) AND deleted_at_ms IS NULL
                RETURNING message_count
                """,
                whenEmpty: .notFound("conversation \(conversationID)")
            )
        }
        let insertExecution = FixedSQL(
            Self.insertExecutionSQL,
            [
                .text(executionID), .text(tenantID), .text(call.identity.userID), .text(call.identity.apiKeyID), .text(call.conversationID),
                .text(call.executionKind), .text(ExecutionStatus.running.rawValue), .text(call.correlationID), .integer(now),
            ]
        )
        var started = StartedCall(
            tenantID: tenantID, correlationID: call.correlationID, executionKind: call.executionKind, attempt: 1, purpose: call.purpose,
            userID: call.identity.userID, apiKeyID: call.identity.apiKeyID, executionID: executionID,
            llmCallID: llmCallID, conversationID: call.conversationID, provider: call.provider, model: call.model,
            userMessage: nil, startedAtMilliseconds: now, day: day
        )
        // The new rows in one step: one round trip on PostgreSQL.
        let insertCall = Self.insertCallQuery(started, streamed: call.streamed, estimatedInputTokens: call.estimatedInputTokens, nodeID: call.nodeID)
        script.add(together: { [userMessage] results in
            guard var message = userMessage else { return [.fixed(insertExecution), .fixed(insertCall)] }
            message.seq = try results[0][0].decode(column: "message_count", as: Int64.self)
            return [.query(Self.insertQuery(message, tenantID: tenantID)), .fixed(insertExecution), .fixed(insertCall)]
        })
        var workflow = JSONObjectWriter()
        workflow["kind"] = .string(call.executionKind)
        workflow["status"] = .string(ExecutionStatus.running.rawValue)
        script.add(event: started.event(.workflowStarted, at: now, data: workflow))
        let startedCall = started
        if let message = userMessage {
            script.add(event: { results in
                var data = JSONObjectWriter()
                data["message_id"] = .string(message.id)
                data["role"] = .string(message.role.rawValue)
                data["seq"] = .integer(try results[0][0].decode(column: "message_count", as: Int64.self))
                return startedCall.event(.messageCreated, at: now, data: data)
            })
        }
        script.add(event: started.callStartedEvent(streamed: call.streamed))
        let results = try await database.run(script)
        if var message = userMessage {
            message.seq = try results[0][0].decode(column: "message_count", as: Int64.self)
            started.userMessage = message
        }
        return started
    }

    /// Another attempt of the same execution (a retry): a new `in_flight` row, so every attempt is its own atom.
    public func startAttempt(after previous: StartedCall, attempt: Int, purpose: String, streamed: Bool, estimatedInputTokens: Int64, nodeID: String) async throws -> StartedCall {
        let now = Clock.nowMilliseconds()
        var call = previous
        call.llmCallID = Identifier.make()
        call.startedAtMilliseconds = now
        call.day = UTCDay.string(fromMilliseconds: now)
        call.attempt = attempt
        call.purpose = purpose
        var script = SQLScript(durable: false)
        script.add(.fixed(Self.insertCallQuery(call, streamed: streamed, estimatedInputTokens: estimatedInputTokens, nodeID: nodeID)))
        script.add(event: call.callStartedEvent(streamed: streamed))
        _ = try await database.run(script)
        return call
    }

    static let insertExecutionSQL = FixedSQL.Text(
        """
        INSERT INTO workflow_executions (id, tenant_id, user_id, api_key_id, conversation_id, kind, status, correlation_id, started_at_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    )

    static let insertCallSQL = FixedSQL.Text(
        """
        INSERT INTO llm_calls (id, tenant_id, user_id, api_key_id, execution_id, conversation_id, purpose, provider, model,
            streamed, attempt, node_id, status, estimated_input_tokens, day, started_at_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    )

    static func insertCallQuery(_ call: StartedCall, streamed: Bool, estimatedInputTokens: Int64, nodeID: String) -> FixedSQL {
        FixedSQL(
            insertCallSQL,
            [
                .text(call.llmCallID), .text(call.tenantID), .text(call.userID), .text(call.apiKeyID), .text(call.executionID),
                .text(call.conversationID), .text(call.purpose), .text(call.provider), .text(call.model), .integer(streamed ? 1 : 0),
                .integer(Int64(call.attempt)), .text(nodeID), .text(LLMCallStatus.inFlight.rawValue), .integer(estimatedInputTokens),
                .text(call.day), .integer(call.startedAtMilliseconds),
            ]
        )
    }

    /// Ends a running execution whose next attempt could not even be recorded.
    public func failExecution(_ call: StartedCall, error: String) async throws {
        let now = Clock.nowMilliseconds()
        var script = SQLScript()
        script.add(
            """
            UPDATE workflow_executions SET status = \(bind: ExecutionStatus.failed.rawValue), error = \(bind: error),
                finished_at_ms = \(bind: now)
            WHERE id = \(bind: call.executionID) AND status = \(bind: ExecutionStatus.running.rawValue)
            RETURNING \(unsafeRaw: Self.executionTotalsColumns)
            """
        )
        script.add(event: { results in
            try results[0].first.map { try call.workflowEndedEvent(.failed, error: error, at: now, totals: $0) }
        })
        _ = try await database.run(script)
    }

    /// One transaction: the call's final row, the assistant message, the conversation's and execution's totals,
    /// and the daily rollup, committed durably before it returns. A call is finalised once; a second attempt
    /// finds it no longer in flight.
    public func finish(_ call: StartedCall, outcome: CallOutcome) async throws -> FinishedCall {
        let usage = outcome.usage
        let cost = outcome.pricing.costNanoUSD
        let unpriced: Int64 = cost == nil ? 1 : 0
        let failed: Int64 = [.error, .interrupted, .cancelled].contains(outcome.status) ? 1 : 0
        var script = SQLScript()
        script.add(
            .fixed(
                FixedSQL(
                    Self.finishCallSQL,
                    [
                        .text(outcome.status.rawValue), .text(usage.source.rawValue), .integer(usage.inputTokens),
                        .integer(usage.cachedInputTokens), .integer(usage.cacheWriteTokens), .integer(usage.outputTokens),
                        .integer(usage.reasoningTokens), .text(usage.rawJSON), .integer(cost), .text(outcome.pricing.priceID),
                        .text(outcome.finishReason), .text(outcome.upstreamRequestID), .text(outcome.responseModel), .text(outcome.error),
                        .integer(outcome.firstTokenAtMilliseconds), .integer(outcome.finishedAtMilliseconds),
                        .integer(outcome.generationMicroseconds), .text(call.llmCallID), .text(LLMCallStatus.inFlight.rawValue),
                    ]
                )
            ),
            whenEmpty: ChatterError(.conflict, "call \(call.llmCallID) is already finalised")
        )

        // What the call adds to its conversation's and execution's totals (`incrementsSQL`).
        let increments: [FixedSQL.Value] = [
            .integer(usage.inputTokens), .integer(usage.cachedInputTokens), .integer(usage.cacheWriteTokens), .integer(usage.outputTokens),
            .integer(usage.reasoningTokens), .integer(cost ?? 0), .integer(unpriced),
        ]

        // The assistant message takes the seq the conversation's count reaches in this transaction.
        let replies = outcome.assistantMessage != nil && call.conversationID != nil
        if let conversationID = call.conversationID {
            let addsMessage: Int64 = replies ? 1 : 0
            let finished = outcome.finishedAtMilliseconds
            script.add(
                .fixed(
                    FixedSQL(
                        Self.finishConversationSQL,
                        increments + [
                            .integer(addsMessage), .integer(addsMessage), .integer(finished), .integer(finished), .text(conversationID),
                            .text(call.tenantID),
                        ]
                    )
                ),
                whenEmpty: .notFound("conversation \(conversationID)")
            )
            if replies {
                script.add { results in
                    let seq = try results[1][0].decode(column: "message_count", as: Int64.self)
                    return Self.assistantMessage(call, outcome, seq: seq).map { Self.insertQuery($0, tenantID: call.tenantID) }
                }
            }
        }

        if let status = outcome.executionStatus {
            let end: [FixedSQL.Value] = [.text(status.rawValue), .text(outcome.error), .integer(outcome.finishedAtMilliseconds)]
            script.add(.fixed(FixedSQL(Self.finishExecutionSQL, increments + end + [.text(call.executionID)])))
        } else {
            script.add(.fixed(FixedSQL(Self.addToExecutionSQL, increments + [.text(call.executionID)])))
        }
        let executionStep = script.count - 1

        // The rollups: one step, so one round trip on PostgreSQL. Their rows (but the conversation's) are shared by
        // every call of a tenant, model, user and key in the bucket, and each stays locked from its update to the
        // commit, so they come after every per-call row.
        let totals: [FixedSQL.Value] = [.integer(failed)] + increments
        var rollups: [SQLScript.Statement] = [
            .fixed(Self.timedRollup(.daily, bucket: .text(call.day), call, outcome, totals: totals)),
            .fixed(FixedSQL(Self.purposesRollupSQL, [.text(call.tenantID), .text(call.day), .text(call.purpose), .text(call.userID)] + totals)),
            .fixed(Self.timedRollup(.hourly, bucket: .integer(call.hourMilliseconds), call, outcome, totals: totals)),
        ]
        if let conversationID = call.conversationID {
            rollups.append(
                .fixed(
                    FixedSQL(
                        Self.conversationsRollupSQL,
                        [.text(call.tenantID), .integer(call.hourMilliseconds), .text(conversationID), .text(call.userID)] + totals
                    )
                )
            )
        }
        script.add(together: rollups)
        script.add(event: call.callEndedEvent(outcome))
        if replies {
            script.add(event: { results in
                let seq = try results[1][0].decode(column: "message_count", as: Int64.self)
                var data = JSONObjectWriter()
                data["message_id"] = .string(outcome.assistantMessage!.id)
                data["role"] = .string(Message.Role.assistant.rawValue)
                data["seq"] = .integer(seq)
                data["llm_call_id"] = .string(call.llmCallID)
                data["usage"] = .object(StartedCall.usageJSON(outcome.usage))
                data["cost_nanousd"] = .optionalInteger(outcome.pricing.costNanoUSD)
                return call.event(.messageCreated, at: outcome.finishedAtMilliseconds, data: data)
            })
        }
        if let status = outcome.executionStatus {
            script.add(event: { results in
                try results[executionStep].first.map {
                    try call.workflowEndedEvent(status, error: outcome.error, at: outcome.finishedAtMilliseconds, totals: $0)
                }
            })
        }

        let results = try await database.run(script)
        onFinished(call, outcome)
        var finished = FinishedCall(assistantMessage: nil, conversation: nil)
        if call.conversationID != nil, let row = results[1].first {
            let conversation = try ConversationStore.conversation(from: row)
            finished.conversation = conversation
            finished.assistantMessage = Self.assistantMessage(call, outcome, seq: conversation.messageCount)
        }
        return finished
    }

    /// The rollups keyed by provider, model, user and key, with latency and TTFT histograms.
    enum TimedRollup {
        case daily, hourly

        var table: String { self == .daily ? "usage_daily" : "usage_hourly" }
        var bucketColumn: String { self == .daily ? "day" : "hour_ms" }
        /// The upsert's `SET` list, written once: it names every histogram column.
        var increments: String { self == .daily ? Self.dailyIncrements : Self.hourlyIncrements }

        /// The upsert: the key's six values, `failed_calls` and the totals (8), the timings (3), and the histograms' (26).
        var sql: FixedSQL.Text { self == .daily ? Self.dailySQL : Self.hourlySQL }
        private static let dailySQL = upsert(.daily)
        private static let hourlySQL = upsert(.hourly)

        private static func upsert(_ rollup: TimedRollup) -> FixedSQL.Text {
            let values = Array(repeating: "?", count: 6 + 8 + 3 + histogramColumns.count)
            return FixedSQL.Text(
                """
                INSERT INTO \(rollup.table) (tenant_id, \(rollup.bucketColumn), provider, model, user_id, api_key_id, failed_calls,
                    input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd, unpriced_calls,
                    latency_ms_sum, ttft_ms_sum, ttft_calls, \(histogramColumnList), calls)
                VALUES (\(values.joined(separator: ", ")), 1)
                ON CONFLICT (tenant_id, \(rollup.bucketColumn), provider, model, user_id, api_key_id)
                DO UPDATE SET \(rollup.increments)
                """
            )
        }

        static let histogramColumns = LatencyBuckets.latencyColumns + LatencyBuckets.ttftColumns
        static let histogramColumnList = histogramColumns.joined(separator: ", ")
        /// What these rollups sum beyond a plain usage rollup.
        private static let timingColumns = ["latency_ms_sum", "ttft_ms_sum", "ttft_calls"] + histogramColumns
        private static let dailyIncrements = LedgerStore.rollupIncrements(table: "usage_daily", also: timingColumns)
        private static let hourlyIncrements = LedgerStore.rollupIncrements(table: "usage_hourly", also: timingColumns)
    }

    /// The call's contribution to a timed rollup: the daily one (usage) or the hourly one (analytics), keyed by when
    /// the call started, with its latency and TTFT in the histograms.
    static func timedRollup(
        _ rollup: TimedRollup, bucket: FixedSQL.Value, _ call: StartedCall, _ outcome: CallOutcome, totals: [FixedSQL.Value]
    ) -> FixedSQL {
        let latency = max(0, outcome.finishedAtMilliseconds - call.startedAtMilliseconds)
        let ttft = outcome.firstTokenAtMilliseconds.map { max(0, $0 - call.startedAtMilliseconds) }
        var histogram = [FixedSQL.Value](repeating: .integer(0), count: LatencyBuckets.count * 2)
        histogram[LatencyBuckets.index(of: latency)] = .integer(1)
        if let ttft { histogram[LatencyBuckets.count + LatencyBuckets.index(of: ttft)] = .integer(1) }
        return FixedSQL(
            rollup.sql,
            [.text(call.tenantID), bucket, .text(call.provider), .text(call.model), .text(call.userID), .text(call.apiKeyID)] + totals
                + [.integer(latency), .integer(ttft ?? 0), .integer(ttft == nil ? 0 : 1)] + histogram
        )
    }

    /// What a call adds to its conversation's and execution's totals: a `SET` list with 7 values.
    static let incrementsSQL = """
        calls = calls + 1, input_tokens = input_tokens + ?, cached_input_tokens = cached_input_tokens + ?,
        cache_write_tokens = cache_write_tokens + ?, output_tokens = output_tokens + ?, reasoning_tokens = reasoning_tokens + ?,
        cost_nanousd = cost_nanousd + ?, unpriced_calls = unpriced_calls + ?
        """

    static let finishCallSQL = FixedSQL.Text(
        """
        UPDATE llm_calls SET status = ?, usage_source = ?, input_tokens = ?, cached_input_tokens = ?, cache_write_tokens = ?,
            output_tokens = ?, reasoning_tokens = ?, raw_usage = ?, cost_nanousd = ?, price_id = ?, finish_reason = ?,
            upstream_request_id = ?, response_model = ?, error = ?, first_token_at_ms = ?, finished_at_ms = ?, generation_us = ?
        WHERE id = ? AND status = ?
        RETURNING id
        """
    )

    static let finishConversationSQL = FixedSQL.Text(
        """
        UPDATE conversations SET \(incrementsSQL), message_count = message_count + ?,
            last_message_at_ms = CASE WHEN ? = 1 THEN ? ELSE last_message_at_ms END, updated_at_ms = ?
        WHERE id = ? AND tenant_id = ?
        RETURNING \(ConversationStore.columns)
        """
    )

    static let addToExecutionSQL = FixedSQL.Text("UPDATE workflow_executions SET \(incrementsSQL) WHERE id = ? RETURNING \(executionTotalsColumns)")

    static let finishExecutionSQL = FixedSQL.Text(
        """
        UPDATE workflow_executions SET \(incrementsSQL), status = ?, error = ?, finished_at_ms = ?
        WHERE id = ? RETURNING \(executionTotalsColumns)
        """
    )

    /// The plain usage rollups' values: the key's four, then `failed_calls` and the totals (8).
    static let purposesRollupSQL = FixedSQL.Text(
        """
        INSERT INTO usage_daily_purposes (tenant_id, day, purpose, user_id, calls, failed_calls, input_tokens, cached_input_tokens,
            cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd, unpriced_calls)
        VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant_id, day, purpose, user_id) DO UPDATE SET \(purposesIncrements)
        """
    )

    static let conversationsRollupSQL = FixedSQL.Text(
        """
        INSERT INTO usage_hourly_conversations (tenant_id, hour_ms, conversation_id, user_id, calls, failed_calls, input_tokens,
            cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd, unpriced_calls)
        VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant_id, hour_ms, conversation_id, user_id) DO UPDATE SET \(conversationsIncrements)
        """
    )

    /// `calls + 1` and every other total added from the inserted row: the upsert of a usage rollup.
    static func rollupIncrements(table: String, also extra: [String] = []) -> String {
        let summed = ["failed_calls", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
            "cost_nanousd", "unpriced_calls"] + extra
        return (["calls = \(table).calls + 1"] + summed.map { "\($0) = \(table).\($0) + excluded.\($0)" }).joined(separator: ", ")
    }

    static let purposesIncrements = rollupIncrements(table: "usage_daily_purposes")
    static let conversationsIncrements = rollupIncrements(table: "usage_hourly_conversations")

    static let executionTotalsColumns = """
        kind, started_at_ms, finished_at_ms, calls, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
        reasoning_tokens, cost_nanousd, unpriced_calls
        """

    static func assistantMessage(_ call: StartedCall, _ outcome: CallOutcome, seq: Int64) -> Message? {
        guard let reply = outcome.assistantMessage, let conversationID = call.conversationID else { return nil }
        return Message(
            id: reply.id, conversationID: conversationID, seq: seq, role: .assistant, content: reply.content,
            executionID: call.executionID, llmCallID: call.llmCallID, provider: call.provider, model: call.model,
            usage: outcome.usage, costNanoUSD: outcome.pricing.costNanoUSD, finishReason: outcome.finishReason,
            latencyMilliseconds: outcome.finishedAtMilliseconds - call.startedAtMilliseconds,
            ttftMilliseconds: outcome.firstTokenAtMilliseconds.map { $0 - call.startedAtMilliseconds },
            createdAtMilliseconds: outcome.finishedAtMilliseconds
        )
    }

    static func insertQuery(_ message: Message, tenantID: String) -> SQLQueryString {
        let usage = message.usage
        return """
            INSERT INTO messages (id, tenant_id, conversation_id, seq, role, content, execution_id, llm_call_id, provider, model,
                usage_source, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd,
                finish_reason, latency_ms, ttft_ms, created_at_ms)
            VALUES (\(bind: message.id), \(bind: tenantID), \(bind: message.conversationID), \(bind: message.seq),
                    \(bind: message.role.rawValue), \(bind: message.content), \(bind: message.executionID), \(bind: message.llmCallID),
                    \(bind: message.provider), \(bind: message.model), \(bind: usage?.source.rawValue), \(bind: usage?.inputTokens),
                    \(bind: usage?.cachedInputTokens), \(bind: usage?.cacheWriteTokens), \(bind: usage?.outputTokens),
                    \(bind: usage?.reasoningTokens), \(bind: message.costNanoUSD), \(bind: message.finishReason),
                    \(bind: message.latencyMilliseconds), \(bind: message.ttftMilliseconds), \(bind: message.createdAtMilliseconds))
            """
    }
}

/// The events a call writes, built from what the ledger knows at each step.
extension StartedCall {
    /// The UTC hour the call started in: its bucket in the hourly rollups.
    var hourMilliseconds: Int64 { startedAtMilliseconds - startedAtMilliseconds % 3_600_000 }

    func event(_ type: EventType, at milliseconds: Int64, data: JSONObjectWriter) -> EventDraft {
        EventDraft(
            type, tenantID: tenantID, userID: userID, conversationID: conversationID, executionID: executionID,
            correlationID: correlationID, atMilliseconds: milliseconds, data: data
        )
    }

    func callStartedEvent(streamed: Bool) -> EventDraft {
        var data = JSONObjectWriter()
        data["llm_call_id"] = .string(llmCallID)
        data["provider"] = .string(provider)
        data["model"] = .string(model)
        data["purpose"] = .string(purpose)
        data["attempt"] = .integer(Int64(attempt))
        data["streamed"] = .bool(streamed)
        return event(.llmCallStarted, at: startedAtMilliseconds, data: data)
    }

    /// `llm.call.completed` for a call that ended with an answer (`ok`, `client_disconnected`), else `llm.call.failed`.
    func callEndedEvent(_ outcome: CallOutcome) -> EventDraft {
        var data = JSONObjectWriter()
        data["llm_call_id"] = .string(llmCallID)
        data["provider"] = .string(provider)
        data["model"] = .string(model)
        data["purpose"] = .string(purpose)
        data["attempt"] = .integer(Int64(attempt))
        data["status"] = .string(outcome.status.rawValue)
        data["usage"] = .object(Self.usageJSON(outcome.usage))
        data["cost_nanousd"] = .optionalInteger(outcome.pricing.costNanoUSD)
        data["unpriced"] = .bool(outcome.pricing.costNanoUSD == nil)
        data["price_id"] = .optionalString(outcome.pricing.priceID)
        data["finish_reason"] = .optionalString(outcome.finishReason)
        data["upstream_request_id"] = .optionalString(outcome.upstreamRequestID)
        data["latency_ms"] = .integer(outcome.finishedAtMilliseconds - startedAtMilliseconds)
        data["ttft_ms"] = .optionalInteger(outcome.firstTokenAtMilliseconds.map { $0 - startedAtMilliseconds })
        data["generation_us"] = .optionalInteger(outcome.generationMicroseconds)
        if let generation = outcome.generationMicroseconds, generation > 0 {
            let rate = Double(outcome.usage.outputTokens) * 1_000_000 / Double(generation)
            data["output_tokens_per_second"] = .rawJSON(rate.twoDecimals)
        }
        if let error = outcome.error { data["error"] = .string(error) }
        let completed = [LLMCallStatus.ok, .clientDisconnected].contains(outcome.status)
        return event(completed ? .llmCallCompleted : .llmCallFailed, at: outcome.finishedAtMilliseconds, data: data)
    }

    /// `workflow.completed` or `workflow.failed` (also for `interrupted`), with the execution's totals.
    func workflowEndedEvent(_ status: ExecutionStatus, error: String?, at milliseconds: Int64, totals row: any SQLRow) throws -> EventDraft {
        var data = JSONObjectWriter()
        data["kind"] = .string(try row.decode(column: "kind", as: String.self))
        data["status"] = .string(status.rawValue)
        data["duration_ms"] = .integer(milliseconds - (try row.decode(column: "started_at_ms", as: Int64.self)))
        data["calls"] = .integer(try row.decode(column: "calls", as: Int64.self))
        var usage = JSONObjectWriter()
        for column in ["input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens"] {
            usage[column] = .integer(try row.decode(column: column, as: Int64.self))
        }
        data["usage"] = .object(usage)
        data["cost_nanousd"] = .integer(try row.decode(column: "cost_nanousd", as: Int64.self))
        data["unpriced_calls"] = .integer(try row.decode(column: "unpriced_calls", as: Int64.self))
        if let error { data["error"] = .string(error) }
        return event(status == .completed ? .workflowCompleted : .workflowFailed, at: milliseconds, data: data)
    }

    static func usageJSON(_ usage: Usage) -> JSONObjectWriter {
        var data = JSONObjectWriter()
        data["input_tokens"] = .integer(usage.inputTokens)
        data["cached_input_tokens"] = .integer(usage.cachedInputTokens)
        data["cache_write_tokens"] = .integer(usage.cacheWriteTokens)
        data["output_tokens"] = .integer(usage.outputTokens)
        data["reasoning_tokens"] = .integer(usage.reasoningTokens)
        data["total_tokens"] = .integer(usage.totalTokens)
        data["source"] = .string(usage.source.rawValue)
        return data
    }
}
