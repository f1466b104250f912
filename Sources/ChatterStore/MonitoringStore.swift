import ChatterCore
import SQLKit

/// What is running now and how the last minutes went, read straight from the ledger's rows.
public struct MonitoringStore: Sendable {
    let database: ChatterDatabase

    public init(database: ChatterDatabase) {
        self.database = database
    }

    public struct Execution: Sendable {
        public var id: String
        public var kind: String
        public var status: String
        public var userID: String
        public var conversationID: String?
        public var correlationID: String?
        public var startedAtMilliseconds: Int64
        public var finishedAtMilliseconds: Int64?
        public var totals: UsageTotals
        public var error: String?
        /// For a running execution: the provider and model of its call in flight, if one is.
        public var inFlightProvider: String?
        public var inFlightModel: String?
    }

    /// Whether the tenant has this execution (and, with `userID`, whether it is that user's).
    public func executionExists(id: String, tenantID: String, userID: String?) async throws -> Bool {
        let own: SQLQueryString = userID.map { "AND user_id = \(bind: $0)" } ?? ""
        return try await database.sql.raw(
            "SELECT id FROM workflow_executions WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID) \(own)"
        ).first() != nil
    }

    /// Running executions (oldest first) and the most recently finished ones (newest first).
    public func workflows(tenantID: String, userID: String?, recentLimit: Int) async throws -> (running: [Execution], recent: [Execution]) {
        let own: SQLQueryString = userID.map { "AND e.user_id = \(bind: $0)" } ?? ""
        let columns = """
            e.id, e.kind, e.status, e.user_id, e.conversation_id, e.correlation_id, e.started_at_ms, e.finished_at_ms, e.error,
            e.calls, e.input_tokens, e.cached_input_tokens, e.cache_write_tokens, e.output_tokens, e.reasoning_tokens, e.cost_nanousd,
            e.unpriced_calls
            """
        let running = try await database.sql.raw(
            """
            SELECT \(unsafeRaw: columns),
                (SELECT c.provider FROM llm_calls c WHERE c.execution_id = e.id AND c.status = \(bind: LLMCallStatus.inFlight.rawValue) LIMIT 1) AS in_flight_provider,
                (SELECT c.model FROM llm_calls c WHERE c.execution_id = e.id AND c.status = \(bind: LLMCallStatus.inFlight.rawValue) LIMIT 1) AS in_flight_model
            FROM workflow_executions e
            WHERE e.tenant_id = \(bind: tenantID) AND e.status = \(bind: ExecutionStatus.running.rawValue) \(own)
            ORDER BY e.started_at_ms LIMIT 1000
            """
        ).all().map { try Self.execution(from: $0, inFlight: true) }
        let recent = try await database.sql.raw(
            """
            SELECT \(unsafeRaw: columns) FROM workflow_executions e
            WHERE e.tenant_id = \(bind: tenantID) AND e.status <> \(bind: ExecutionStatus.running.rawValue) \(own)
            ORDER BY e.started_at_ms DESC LIMIT \(bind: recentLimit)
            """
        ).all().map { try Self.execution(from: $0, inFlight: false) }
        return (running, recent)
    }

    static func execution(from row: any SQLRow, inFlight: Bool) throws -> Execution {
        Execution(
            id: try row.decode(column: "id", as: String.self),
            kind: try row.decode(column: "kind", as: String.self),
            status: try row.decode(column: "status", as: String.self),
            userID: try row.decode(column: "user_id", as: String.self),
            conversationID: try row.decode(column: "conversation_id", as: String?.self),
            correlationID: try row.decode(column: "correlation_id", as: String?.self),
            startedAtMilliseconds: try row.decode(column: "started_at_ms", as: Int64.self),
            finishedAtMilliseconds: try row.decode(column: "finished_at_ms", as: Int64?.self),
            totals: try ConversationStore.totals(from: row),
            error: try row.decode(column: "error", as: String?.self),
            inFlightProvider: inFlight ? try row.decode(column: "in_flight_provider", as: String?.self) : nil,
            inFlightModel: inFlight ? try row.decode(column: "in_flight_model", as: String?.self) : nil
        )
    }

    /// One provider and model over a window: exact counts, sums and percentiles over the finalised calls.
    public struct ModelSummary: Sendable {
        public var provider: String
        public var model: String
        public var calls: Int64 = 0
        public var failedCalls: Int64 = 0
        public var inputTokens: Int64 = 0
        public var outputTokens: Int64 = 0
        public var costNanoUSD: Int64 = 0
        public var unpricedCalls: Int64 = 0
        public var latencies: [Int64] = []
        public var ttfts: [Int64] = []
        /// The time spent generating, call by call: the provider's own figure where it reports one (Ollama's
        /// `eval_duration`), else the call's latency.
        public var generationMilliseconds: Double = 0

        public var errorRate: Double { calls == 0 ? 0 : Double(failedCalls) / Double(calls) }
        /// Output tokens over the time spent generating them (tokens summed, time summed).
        public var outputTokensPerSecond: Double? {
            generationMilliseconds > 0 ? Double(outputTokens) * 1000 / generationMilliseconds : nil
        }
        public func latency(_ quantile: Double) -> Int64? { Self.percentile(quantile, of: latencies) }
        public func ttft(_ quantile: Double) -> Int64? { Self.percentile(quantile, of: ttfts) }

        /// Nearest-rank percentile.
        static func percentile(_ quantile: Double, of values: [Int64]) -> Int64? {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            let rank = Int((quantile * Double(sorted.count)).rounded(.up))
            return sorted[min(sorted.count - 1, max(0, rank - 1))]
        }
    }

    /// For each window start, the calls finalised since then, per provider and model: one read of the widest.
    public func summaries(tenantID: String, userID: String?, windowStarts: [Int64]) async throws -> [[ModelSummary]] {
        guard let earliest = windowStarts.min() else { return [] }
        let calls = try await calls(tenantID: tenantID, userID: userID, from: earliest)
        return windowStarts.map { start in
            Self.group(calls.filter { $0.started >= start })
        }
    }

    struct CallRow {
        var provider: String
        var model: String
        var status: String
        var inputTokens: Int64
        var outputTokens: Int64
        var cost: Int64?
        var started: Int64
        var firstToken: Int64?
        var finished: Int64?
        var generationMicroseconds: Int64?
    }

    static func group(_ calls: [CallRow]) -> [ModelSummary] {
        var groups: [String: ModelSummary] = [:]
        for call in calls {
            let key = "\(call.provider)/\(call.model)"
            var group = groups[key] ?? ModelSummary(provider: call.provider, model: call.model)
            group.calls += 1
            if ["error", "interrupted", "cancelled"].contains(call.status) { group.failedCalls += 1 }
            group.inputTokens += call.inputTokens
            group.outputTokens += call.outputTokens
            if let cost = call.cost { group.costNanoUSD += cost } else { group.unpricedCalls += 1 }
            if let finished = call.finished { group.latencies.append(max(0, finished - call.started)) }
            if let generation = call.generationMicroseconds {
                group.generationMilliseconds += Double(generation) / 1000
            } else if let finished = call.finished {
                group.generationMilliseconds += Double(max(0, finished - call.started))
            }
            if let firstToken = call.firstToken { group.ttfts.append(max(0, firstToken - call.started)) }
            groups[key] = group
        }
        return groups.values.sorted { ($0.provider, $0.model) < ($1.provider, $1.model) }
    }

    private func calls(tenantID: String, userID: String?, from: Int64) async throws -> [CallRow] {
        let own: SQLQueryString = userID.map { "AND user_id = \(bind: $0)" } ?? ""
        let rows = try await database.sql.raw(
            """
            SELECT provider, model, status, input_tokens, output_tokens, cost_nanousd, started_at_ms, first_token_at_ms, finished_at_ms,
                generation_us
            FROM llm_calls
            WHERE tenant_id = \(bind: tenantID) AND started_at_ms >= \(bind: from) AND status <> \(bind: LLMCallStatus.inFlight.rawValue) \(own)
            """
        ).all()
        return try rows.map { row in
            CallRow(
                provider: try row.decode(column: "provider", as: String.self),
                model: try row.decode(column: "model", as: String.self),
                status: try row.decode(column: "status", as: String.self),
                inputTokens: try row.decode(column: "input_tokens", as: Int64?.self) ?? 0,
                outputTokens: try row.decode(column: "output_tokens", as: Int64?.self) ?? 0,
                cost: try row.decode(column: "cost_nanousd", as: Int64?.self),
                started: try row.decode(column: "started_at_ms", as: Int64.self),
                firstToken: try row.decode(column: "first_token_at_ms", as: Int64?.self),
                finished: try row.decode(column: "finished_at_ms", as: Int64?.self),
                generationMicroseconds: try row.decode(column: "generation_us", as: Int64?.self)
            )
        }
    }
}
