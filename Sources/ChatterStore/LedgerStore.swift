import ChatterCore
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
    /// The assistant message to store, when the call produced one to keep.
    public var assistantMessage: (id: String, content: String)?
    /// The execution's end, when this call ends it.
    public var executionStatus: ExecutionStatus?

    public init(
        status: LLMCallStatus, usage: Usage, pricing: Pricing, finishReason: String? = nil, upstreamRequestID: String? = nil,
        responseModel: String? = nil, error: String? = nil, firstTokenAtMilliseconds: Int64? = nil, finishedAtMilliseconds: Int64,
        assistantMessage: (id: String, content: String)? = nil, executionStatus: ExecutionStatus?
    ) {
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

    public init(database: ChatterDatabase) {
        self.database = database
    }

    /// One transaction: the execution (`running`), the user message (its `seq` taken from the conversation's
    /// `message_count`, incremented under the row lock so seqs are unique and gap-free), and the `in_flight` call.
    public func start(_ call: CallStart) async throws -> StartedCall {
        let now = Clock.nowMilliseconds()
        let executionID = Identifier.make()
        let llmCallID = Identifier.make()
        let tenantID = call.identity.tenantID
        return try await database.transaction { sql in
            var userMessage: Message?
            if let conversationID = call.conversationID, let content = call.userContent {
                let seq = try await Self.takeSeq(conversationID: conversationID, tenantID: tenantID, at: now, on: sql)
                let message = Message(
                    id: Identifier.make(), conversationID: conversationID, seq: seq, role: .user, content: content,
                    executionID: executionID, llmCallID: nil, provider: nil, model: nil, usage: nil, costNanoUSD: nil,
                    finishReason: nil, latencyMilliseconds: nil, ttftMilliseconds: nil, createdAtMilliseconds: now
                )
                try await Self.insert(message, tenantID: tenantID, on: sql)
                userMessage = message
            }
            try await sql.raw(
                """
                INSERT INTO workflow_executions (id, tenant_id, user_id, api_key_id, conversation_id, kind, status, correlation_id, started_at_ms)
                VALUES (\(bind: executionID), \(bind: tenantID), \(bind: call.identity.userID), \(bind: call.identity.apiKeyID),
                        \(bind: call.conversationID), \(bind: call.executionKind), \(bind: ExecutionStatus.running.rawValue),
                        \(bind: call.correlationID), \(bind: now))
                """
            ).run()
            try await sql.raw(
                """
                INSERT INTO llm_calls (id, tenant_id, user_id, api_key_id, execution_id, conversation_id, purpose, provider, model,
                    streamed, attempt, node_id, status, estimated_input_tokens, day, started_at_ms)
                VALUES (\(bind: llmCallID), \(bind: tenantID), \(bind: call.identity.userID), \(bind: call.identity.apiKeyID),
                        \(bind: executionID), \(bind: call.conversationID), \(bind: call.purpose), \(bind: call.provider), \(bind: call.model),
                        \(bind: call.streamed ? 1 : 0), 1, \(bind: call.nodeID), \(bind: LLMCallStatus.inFlight.rawValue),
                        \(bind: call.estimatedInputTokens), \(bind: UTCDay.string(fromMilliseconds: now)), \(bind: now))
                """
            ).run()
            return StartedCall(
                tenantID: tenantID, userID: call.identity.userID, apiKeyID: call.identity.apiKeyID, executionID: executionID,
                llmCallID: llmCallID, conversationID: call.conversationID, provider: call.provider, model: call.model,
                userMessage: userMessage, startedAtMilliseconds: now, day: UTCDay.string(fromMilliseconds: now)
            )
        }
    }

    /// Another attempt of the same execution (a retry): a new `in_flight` row, so every attempt is its own atom.
    public func startAttempt(after previous: StartedCall, attempt: Int, purpose: String, streamed: Bool, estimatedInputTokens: Int64, nodeID: String) async throws -> StartedCall {
        let now = Clock.nowMilliseconds()
        var call = previous
        call.llmCallID = Identifier.make()
        call.startedAtMilliseconds = now
        call.day = UTCDay.string(fromMilliseconds: now)
        try await database.sql.raw(
            """
            INSERT INTO llm_calls (id, tenant_id, user_id, api_key_id, execution_id, conversation_id, purpose, provider, model,
                streamed, attempt, node_id, status, estimated_input_tokens, day, started_at_ms)
            VALUES (\(bind: call.llmCallID), \(bind: call.tenantID), \(bind: call.userID), \(bind: call.apiKeyID),
                    \(bind: call.executionID), \(bind: call.conversationID), \(bind: purpose), \(bind: call.provider), \(bind: call.model),
                    \(bind: streamed ? 1 : 0), \(bind: attempt), \(bind: nodeID), \(bind: LLMCallStatus.inFlight.rawValue),
                    \(bind: estimatedInputTokens), \(bind: call.day), \(bind: now))
            """
        ).run()
        return call
    }

    /// Ends a running execution whose next attempt could not even be recorded.
    public func failExecution(_ call: StartedCall, error: String) async throws {
        try await database.sql.raw(
            """
            UPDATE workflow_executions SET status = \(bind: ExecutionStatus.failed.rawValue), error = \(bind: error),
                finished_at_ms = \(bind: Clock.nowMilliseconds())
            WHERE id = \(bind: call.executionID) AND status = \(bind: ExecutionStatus.running.rawValue)
            """
        ).run()
    }

    /// One transaction: the call's final row, the assistant message, the conversation's and execution's totals,
    /// and the daily rollup. A call is finalised once; a second attempt finds it no longer in flight.
    public func finish(_ call: StartedCall, outcome: CallOutcome) async throws -> FinishedCall {
        try await database.transaction { sql in
            try await Self.finish(call, outcome: outcome, on: sql)
        }
    }

    static func finish(_ call: StartedCall, outcome: CallOutcome, on sql: any SQLDatabase) async throws -> FinishedCall {
        let usage = outcome.usage
        let cost = outcome.pricing.costNanoUSD
        let unpriced: Int64 = cost == nil ? 1 : 0
        let failed: Int64 = [.error, .interrupted, .cancelled].contains(outcome.status) ? 1 : 0
        let finalised = try await sql.raw(
            """
            UPDATE llm_calls SET status = \(bind: outcome.status.rawValue), usage_source = \(bind: usage.source.rawValue),
                input_tokens = \(bind: usage.inputTokens), cached_input_tokens = \(bind: usage.cachedInputTokens),
                cache_write_tokens = \(bind: usage.cacheWriteTokens), output_tokens = \(bind: usage.outputTokens),
                reasoning_tokens = \(bind: usage.reasoningTokens), raw_usage = \(bind: usage.rawJSON), cost_nanousd = \(bind: cost),
                price_id = \(bind: outcome.pricing.priceID), finish_reason = \(bind: outcome.finishReason),
                upstream_request_id = \(bind: outcome.upstreamRequestID), response_model = \(bind: outcome.responseModel),
                error = \(bind: outcome.error), first_token_at_ms = \(bind: outcome.firstTokenAtMilliseconds),
                finished_at_ms = \(bind: outcome.finishedAtMilliseconds)
            WHERE id = \(bind: call.llmCallID) AND status = \(bind: LLMCallStatus.inFlight.rawValue)
            RETURNING id
            """
        ).first()
        guard finalised != nil else { throw ChatterError(.conflict, "call \(call.llmCallID) is already finalised") }

        let increments: SQLQueryString = """
            calls = calls + 1, input_tokens = input_tokens + \(bind: usage.inputTokens),
            cached_input_tokens = cached_input_tokens + \(bind: usage.cachedInputTokens),
            cache_write_tokens = cache_write_tokens + \(bind: usage.cacheWriteTokens),
            output_tokens = output_tokens + \(bind: usage.outputTokens),
            reasoning_tokens = reasoning_tokens + \(bind: usage.reasoningTokens),
            cost_nanousd = cost_nanousd + \(bind: cost ?? 0), unpriced_calls = unpriced_calls + \(bind: unpriced)
            """

        var result = FinishedCall(assistantMessage: nil, conversation: nil)
        if let conversationID = call.conversationID {
            let addsMessage: Int64 = outcome.assistantMessage == nil ? 0 : 1
            let row = try await sql.raw(
                """
                UPDATE conversations SET \(increments), message_count = message_count + \(bind: addsMessage),
                    last_message_at_ms = CASE WHEN \(bind: addsMessage) = 1 THEN \(bind: outcome.finishedAtMilliseconds) ELSE last_message_at_ms END,
                    updated_at_ms = \(bind: outcome.finishedAtMilliseconds)
                WHERE id = \(bind: conversationID) AND tenant_id = \(bind: call.tenantID)
                RETURNING \(unsafeRaw: ConversationStore.columns)
                """
            ).first()
            guard let row else { throw ChatterError.notFound("conversation \(conversationID)") }
            result.conversation = try ConversationStore.conversation(from: row)
            if let reply = outcome.assistantMessage, let conversation = result.conversation {
                let message = Message(
                    id: reply.id, conversationID: conversationID, seq: conversation.messageCount, role: .assistant,
                    content: reply.content, executionID: call.executionID, llmCallID: call.llmCallID, provider: call.provider,
                    model: call.model, usage: usage, costNanoUSD: cost, finishReason: outcome.finishReason,
                    latencyMilliseconds: outcome.finishedAtMilliseconds - call.startedAtMilliseconds,
                    ttftMilliseconds: outcome.firstTokenAtMilliseconds.map { $0 - call.startedAtMilliseconds },
                    createdAtMilliseconds: outcome.finishedAtMilliseconds
                )
                try await insert(message, tenantID: call.tenantID, on: sql)
                result.assistantMessage = message
            }
        }

        let executionEnd: SQLQueryString =
            if let status = outcome.executionStatus {
                ", status = \(bind: status.rawValue), error = \(bind: outcome.error), finished_at_ms = \(bind: outcome.finishedAtMilliseconds)"
            } else {
                ""
            }
        try await sql.raw(
            "UPDATE workflow_executions SET \(increments)\(executionEnd) WHERE id = \(bind: call.executionID)"
        ).run()

        try await sql.raw(
            """
            INSERT INTO usage_daily (tenant_id, day, provider, model, user_id, api_key_id, calls, failed_calls, input_tokens,
                cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd, unpriced_calls)
            VALUES (\(bind: call.tenantID), \(bind: call.day), \(bind: call.provider), \(bind: call.model), \(bind: call.userID),
                    \(bind: call.apiKeyID), 1, \(bind: failed), \(bind: usage.inputTokens), \(bind: usage.cachedInputTokens),
                    \(bind: usage.cacheWriteTokens), \(bind: usage.outputTokens), \(bind: usage.reasoningTokens), \(bind: cost ?? 0),
                    \(bind: unpriced))
            ON CONFLICT (tenant_id, day, provider, model, user_id, api_key_id) DO UPDATE SET
                calls = usage_daily.calls + 1, failed_calls = usage_daily.failed_calls + excluded.failed_calls,
                input_tokens = usage_daily.input_tokens + excluded.input_tokens,
                cached_input_tokens = usage_daily.cached_input_tokens + excluded.cached_input_tokens,
                cache_write_tokens = usage_daily.cache_write_tokens + excluded.cache_write_tokens,
                output_tokens = usage_daily.output_tokens + excluded.output_tokens,
                reasoning_tokens = usage_daily.reasoning_tokens + excluded.reasoning_tokens,
                cost_nanousd = usage_daily.cost_nanousd + excluded.cost_nanousd,
                unpriced_calls = usage_daily.unpriced_calls + excluded.unpriced_calls
            """
        ).run()
        return result
    }

    /// The next message seq of a conversation: its message count, incremented under the row's write lock.
    static func takeSeq(conversationID: String, tenantID: String, at now: Int64, on sql: any SQLDatabase) async throws -> Int64 {
        let row = try await sql.raw(
            """
            UPDATE conversations SET message_count = message_count + 1, last_message_at_ms = \(bind: now), updated_at_ms = \(bind: now)
            WHERE id = \(bind: conversationID) AND tenant_id = \(bind: tenantID) AND deleted_at_ms IS NULL
            RETURNING message_count
            """
        ).first()
        guard let row else { throw ChatterError.notFound("conversation \(conversationID)") }
        return try row.decode(column: "message_count", as: Int64.self)
    }

    static func insert(_ message: Message, tenantID: String, on sql: any SQLDatabase) async throws {
        let usage = message.usage
        try await sql.raw(
            """
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
        ).run()
    }
}
