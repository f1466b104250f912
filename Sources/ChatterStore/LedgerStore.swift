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
            script.add { results in
                var numbered = message
                numbered.seq = try results[0][0].decode(column: "message_count", as: Int64.self)
                return Self.insertQuery(numbered, tenantID: tenantID)
            }
        }
        script.add(
            """
            INSERT INTO workflow_executions (id, tenant_id, user_id, api_key_id, conversation_id, kind, status, correlation_id, started_at_ms)
            VALUES (\(bind: executionID), \(bind: tenantID), \(bind: call.identity.userID), \(bind: call.identity.apiKeyID),
                    \(bind: call.conversationID), \(bind: call.executionKind), \(bind: ExecutionStatus.running.rawValue),
                    \(bind: call.correlationID), \(bind: now))
            """
        )
        var started = StartedCall(
            tenantID: tenantID, userID: call.identity.userID, apiKeyID: call.identity.apiKeyID, executionID: executionID,
            llmCallID: llmCallID, conversationID: call.conversationID, provider: call.provider, model: call.model,
            userMessage: nil, startedAtMilliseconds: now, day: day
        )
        script.add(Self.insertCallQuery(started, attempt: 1, purpose: call.purpose, streamed: call.streamed, estimatedInputTokens: call.estimatedInputTokens, nodeID: call.nodeID))
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
        var script = SQLScript(durable: false)
        script.add(Self.insertCallQuery(call, attempt: attempt, purpose: purpose, streamed: streamed, estimatedInputTokens: estimatedInputTokens, nodeID: nodeID))
        _ = try await database.run(script)
        return call
    }

    static func insertCallQuery(_ call: StartedCall, attempt: Int, purpose: String, streamed: Bool, estimatedInputTokens: Int64, nodeID: String) -> SQLQueryString {
        """
        INSERT INTO llm_calls (id, tenant_id, user_id, api_key_id, execution_id, conversation_id, purpose, provider, model,
            streamed, attempt, node_id, status, estimated_input_tokens, day, started_at_ms)
        VALUES (\(bind: call.llmCallID), \(bind: call.tenantID), \(bind: call.userID), \(bind: call.apiKeyID),
                \(bind: call.executionID), \(bind: call.conversationID), \(bind: purpose), \(bind: call.provider), \(bind: call.model),
                \(bind: streamed ? 1 : 0), \(bind: attempt), \(bind: nodeID), \(bind: LLMCallStatus.inFlight.rawValue),
                \(bind: estimatedInputTokens), \(bind: call.day), \(bind: call.startedAtMilliseconds))
        """
    }

    /// Ends a running execution whose next attempt could not even be recorded.
    public func failExecution(_ call: StartedCall, error: String) async throws {
        var script = SQLScript()
        script.add(
            """
            UPDATE workflow_executions SET status = \(bind: ExecutionStatus.failed.rawValue), error = \(bind: error),
                finished_at_ms = \(bind: Clock.nowMilliseconds())
            WHERE id = \(bind: call.executionID) AND status = \(bind: ExecutionStatus.running.rawValue)
            """
        )
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
            """,
            whenEmpty: ChatterError(.conflict, "call \(call.llmCallID) is already finalised")
        )

        let increments: SQLQueryString = """
            calls = calls + 1, input_tokens = input_tokens + \(bind: usage.inputTokens),
            cached_input_tokens = cached_input_tokens + \(bind: usage.cachedInputTokens),
            cache_write_tokens = cache_write_tokens + \(bind: usage.cacheWriteTokens),
            output_tokens = output_tokens + \(bind: usage.outputTokens),
            reasoning_tokens = reasoning_tokens + \(bind: usage.reasoningTokens),
            cost_nanousd = cost_nanousd + \(bind: cost ?? 0), unpriced_calls = unpriced_calls + \(bind: unpriced)
            """

        // The assistant message takes the seq the conversation's count reaches in this transaction.
        let replies = outcome.assistantMessage != nil && call.conversationID != nil
        if let conversationID = call.conversationID {
            let addsMessage: Int64 = replies ? 1 : 0
            script.add(
                """
                UPDATE conversations SET \(increments), message_count = message_count + \(bind: addsMessage),
                    last_message_at_ms = CASE WHEN \(bind: addsMessage) = 1 THEN \(bind: outcome.finishedAtMilliseconds) ELSE last_message_at_ms END,
                    updated_at_ms = \(bind: outcome.finishedAtMilliseconds)
                WHERE id = \(bind: conversationID) AND tenant_id = \(bind: call.tenantID)
                RETURNING \(unsafeRaw: ConversationStore.columns)
                """,
                whenEmpty: .notFound("conversation \(conversationID)")
            )
            if replies {
                script.add { results in
                    let seq = try results[1][0].decode(column: "message_count", as: Int64.self)
                    return Self.assistantMessage(call, outcome, seq: seq).map { Self.insertQuery($0, tenantID: call.tenantID) }
                }
            }
        }

        let executionEnd: SQLQueryString =
            if let status = outcome.executionStatus {
                ", status = \(bind: status.rawValue), error = \(bind: outcome.error), finished_at_ms = \(bind: outcome.finishedAtMilliseconds)"
            } else {
                ""
            }
        script.add("UPDATE workflow_executions SET \(increments)\(executionEnd) WHERE id = \(bind: call.executionID)")

        script.add(
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
        )

        let results = try await database.run(script)
        var finished = FinishedCall(assistantMessage: nil, conversation: nil)
        if call.conversationID != nil, let row = results[1].first {
            let conversation = try ConversationStore.conversation(from: row)
            finished.conversation = conversation
            finished.assistantMessage = Self.assistantMessage(call, outcome, seq: conversation.messageCount)
        }
        return finished
    }

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
