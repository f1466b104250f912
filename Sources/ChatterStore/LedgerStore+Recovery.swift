import ChatterCore
import SQLKit

/// Prices a usage for a tenant's call; the server supplies it from the price book.
public typealias CallPricer = @Sendable (_ tenantID: String, _ usage: Usage, _ provider: String, _ model: String, _ day: String) async throws -> Pricing

extension LedgerStore {
    /// Calls left `in_flight` by a crash become `interrupted`, with the prompt estimate recorded at their
    /// start as usage (flagged `estimated`), and their executions `interrupted`. On SQLite one process owns the
    /// database, so every such call is its own; on PostgreSQL a node takes only the calls it started
    /// (`node_id`), as other nodes may still be running theirs. Returns how many calls were finalised.
    @discardableResult
    public func recoverInterrupted(nodeID: String, pricer: CallPricer) async throws -> Int {
        let ownCalls: SQLQueryString = database.kind == .sqlite ? "1 = 1" : "c.node_id = \(bind: nodeID)"
        // `'in_flight'` is written out, not bound: only then can the planner see that the partial index of calls
        // in flight (`llm_calls_in_flight`) holds every row the query wants.
        let rows = try await database.sql.raw(
            """
            SELECT c.id, c.tenant_id, c.user_id, c.api_key_id, c.execution_id, c.conversation_id, c.provider, c.model,
                c.estimated_input_tokens, c.started_at_ms, c.day, c.attempt, c.purpose, e.kind, e.correlation_id
            FROM llm_calls c JOIN workflow_executions e ON e.id = c.execution_id
            WHERE c.status = 'in_flight' AND \(ownCalls)
            """
        ).all()
        var recovered = 0
        for row in rows {
            let call = StartedCall(
                tenantID: try row.decode(column: "tenant_id", as: String.self),
                correlationID: try row.decode(column: "correlation_id", as: String?.self),
                executionKind: try row.decode(column: "kind", as: String.self),
                attempt: Int(try row.decode(column: "attempt", as: Int64.self)),
                purpose: try row.decode(column: "purpose", as: String.self),
                userID: try row.decode(column: "user_id", as: String.self),
                apiKeyID: try row.decode(column: "api_key_id", as: String.self),
                executionID: try row.decode(column: "execution_id", as: String.self),
                llmCallID: try row.decode(column: "id", as: String.self),
                conversationID: try row.decode(column: "conversation_id", as: String?.self),
                provider: try row.decode(column: "provider", as: String.self),
                model: try row.decode(column: "model", as: String.self),
                userMessage: nil,
                startedAtMilliseconds: try row.decode(column: "started_at_ms", as: Int64.self),
                day: try row.decode(column: "day", as: String.self)
            )
            let usage = Usage(inputTokens: try row.decode(column: "estimated_input_tokens", as: Int64.self), source: .estimated)
            let outcome = CallOutcome(
                status: .interrupted,
                usage: usage,
                pricing: try await pricer(call.tenantID, usage, call.provider, call.model, call.day),
                error: "the server stopped while this call was in flight",
                finishedAtMilliseconds: Clock.nowMilliseconds(),
                executionStatus: .interrupted
            )
            do {
                _ = try await finish(call, outcome: outcome)
                recovered += 1
            } catch let error as ChatterError where error.kind == .conflict {
                continue  // finalised meanwhile
            }
        }
        try await closeAbandonedExecutions()
        return recovered
    }

    /// An execution stopped between two attempts (no call in flight, none finished for ten minutes, far
    /// beyond any retry wait) is left `running` by a crash: it becomes `interrupted`.
    func closeAbandonedExecutions() async throws {
        let cutoff = Clock.nowMilliseconds() - 600_000
        try await database.sql.raw(
            """
            UPDATE workflow_executions SET status = \(bind: ExecutionStatus.interrupted.rawValue), finished_at_ms = \(bind: Clock.nowMilliseconds()),
                error = \(bind: "the server stopped between two attempts of this execution")
            WHERE status = \(bind: ExecutionStatus.running.rawValue) AND started_at_ms < \(bind: cutoff)
            AND NOT EXISTS (
                SELECT 1 FROM llm_calls c WHERE c.execution_id = workflow_executions.id
                AND (c.status = \(bind: LLMCallStatus.inFlight.rawValue) OR c.finished_at_ms > \(bind: cutoff))
            )
            """
        ).run()
    }

    /// Prices finalised calls that were unpriced, now that a price exists, and moves the cost into every
    /// aggregate that holds it. Returns how many calls were repriced.
    @discardableResult
    public func repriceUnpriced(pricer: CallPricer) async throws -> Int {
        let rows = try await database.sql.raw(
            """
            SELECT id, tenant_id, user_id, api_key_id, execution_id, conversation_id, provider, model, purpose, day, started_at_ms, input_tokens,
                cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, usage_source
            FROM llm_calls WHERE cost_nanousd IS NULL AND status <> \(bind: LLMCallStatus.inFlight.rawValue)
            """
        ).all()
        var repriced = 0
        for row in rows {
            let usage = Usage(
                inputTokens: try row.decode(column: "input_tokens", as: Int64.self),
                cachedInputTokens: try row.decode(column: "cached_input_tokens", as: Int64.self),
                cacheWriteTokens: try row.decode(column: "cache_write_tokens", as: Int64.self),
                outputTokens: try row.decode(column: "output_tokens", as: Int64.self),
                reasoningTokens: try row.decode(column: "reasoning_tokens", as: Int64.self),
                source: UsageSource(rawValue: try row.decode(column: "usage_source", as: String?.self) ?? "") ?? .missing
            )
            let id = try row.decode(column: "id", as: String.self)
            let tenantID = try row.decode(column: "tenant_id", as: String.self)
            let provider = try row.decode(column: "provider", as: String.self)
            let model = try row.decode(column: "model", as: String.self)
            let day = try row.decode(column: "day", as: String.self)
            let pricing = try await pricer(tenantID, usage, provider, model, day)
            guard let cost = pricing.costNanoUSD else { continue }
            let conversationID = try row.decode(column: "conversation_id", as: String?.self)
            let executionID = try row.decode(column: "execution_id", as: String.self)
            let userID = try row.decode(column: "user_id", as: String.self)
            let apiKeyID = try row.decode(column: "api_key_id", as: String.self)
            let startedAt = try row.decode(column: "started_at_ms", as: Int64.self)
            let purpose = try row.decode(column: "purpose", as: String.self)
            let done = try await database.transaction { sql -> Bool in
                let claimed = try await sql.raw(
                    """
                    UPDATE llm_calls SET cost_nanousd = \(bind: cost), price_id = \(bind: pricing.priceID)
                    WHERE id = \(bind: id) AND cost_nanousd IS NULL RETURNING id
                    """
                ).first()
                guard claimed != nil else { return false }
                let moveCost: SQLQueryString = "cost_nanousd = cost_nanousd + \(bind: cost), unpriced_calls = unpriced_calls - 1"
                try await sql.raw("UPDATE messages SET cost_nanousd = \(bind: cost) WHERE llm_call_id = \(bind: id)").run()
                if let conversationID {
                    try await sql.raw("UPDATE conversations SET \(moveCost) WHERE id = \(bind: conversationID)").run()
                }
                try await sql.raw("UPDATE workflow_executions SET \(moveCost) WHERE id = \(bind: executionID)").run()
                try await sql.raw(
                    """
                    UPDATE usage_daily SET \(moveCost)
                    WHERE tenant_id = \(bind: tenantID) AND day = \(bind: day) AND provider = \(bind: provider) AND model = \(bind: model)
                    AND user_id = \(bind: userID) AND api_key_id = \(bind: apiKeyID)
                    """
                ).run()
                try await sql.raw(
                    """
                    UPDATE usage_daily_purposes SET \(moveCost)
                    WHERE tenant_id = \(bind: tenantID) AND day = \(bind: day) AND purpose = \(bind: purpose) AND user_id = \(bind: userID)
                    """
                ).run()
                let hour = startedAt - startedAt % 3_600_000
                try await sql.raw(
                    """
                    UPDATE usage_hourly SET \(moveCost)
                    WHERE tenant_id = \(bind: tenantID) AND hour_ms = \(bind: hour) AND provider = \(bind: provider)
                    AND model = \(bind: model) AND user_id = \(bind: userID) AND api_key_id = \(bind: apiKeyID)
                    """
                ).run()
                if let conversationID {
                    try await sql.raw(
                        """
                        UPDATE usage_hourly_conversations SET \(moveCost)
                        WHERE tenant_id = \(bind: tenantID) AND hour_ms = \(bind: hour) AND conversation_id = \(bind: conversationID)
                        AND user_id = \(bind: userID)
                        """
                    ).run()
                }
                return true
            }
            if done { repriced += 1 }
        }
        return repriced
    }
}
