import ChatterCore
import SQLKit

/// Recomputes every aggregate from the ledger's atoms (`llm_calls`, `messages`) and lists where the stored
/// aggregates differ. A consistent ledger has none.
public struct Reconciler: Sendable {
    public struct Discrepancy: Sendable, Equatable, Codable {
        public var kind: String
        public var id: String
        public var field: String
        public var expected: Int64?
        public var actual: Int64?
    }

    public struct Result: Sendable {
        public var checked: Int
        public var discrepancies: [Discrepancy]
    }

    let database: ChatterDatabase

    public init(database: ChatterDatabase) {
        self.database = database
    }

    /// One tenant, or every tenant when `tenantID` is nil. All reads see one snapshot, so calls finalised
    /// while the check runs cannot show up as drift.
    public func run(tenantID: String?) async throws -> Result {
        let kind = database.kind
        return try await database.transaction(readOnly: true) { sql in
            if kind == .postgres { try await sql.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").run() }
            return try await Self.check(tenantID: tenantID, on: sql)
        }
    }

    static func check(tenantID: String?, on sql: any SQLDatabase) async throws -> Result {
        var result = Result(checked: 0, discrepancies: [])
        let scope = Self.tenantFilter(nil, tenantID)
        let final: SQLQueryString = "status <> \(bind: LLMCallStatus.inFlight.rawValue)"

        // Conversations and executions: stored totals against sums over their finalised calls.
        for (kind, table, key) in [("conversation", "conversations", "conversation_id"), ("execution", "workflow_executions", "execution_id")] {
            let stored = try await sql.raw(
                "SELECT id, \(unsafeRaw: Self.totalColumns) FROM \(ident: table) WHERE \(scope)"
            ).all()
            let computedRows = try await sql.raw(
                """
                SELECT \(ident: key) AS id, \(unsafeRaw: Self.callSums) FROM llm_calls
                WHERE \(scope) AND \(final) AND \(ident: key) IS NOT NULL GROUP BY \(ident: key)
                """
            ).all()
            var computed: [String: UsageTotals] = [:]
            for row in computedRows {
                computed[try row.decode(column: "id", as: String.self)] = try ConversationStore.totals(from: row)
            }
            for row in stored {
                let id = try row.decode(column: "id", as: String.self)
                result.checked += 1
                compare(kind: kind, id: id, expected: computed[id] ?? UsageTotals(), actual: try ConversationStore.totals(from: row), into: &result)
            }
        }

        // Message counts and seqs: message_count equals the number of messages and the highest seq (gap-free).
        let counts = try await sql.raw(
            """
            SELECT c.id, c.message_count, CAST(COUNT(m.id) AS BIGINT) AS counted, CAST(COALESCE(MAX(m.seq), 0) AS BIGINT) AS max_seq
            FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id
            WHERE \(Self.tenantFilter("c", tenantID))
            GROUP BY c.id, c.message_count
            """
        ).all()
        for row in counts {
            let id = try row.decode(column: "id", as: String.self)
            let stored = try row.decode(column: "message_count", as: Int64.self)
            let counted = try row.decode(column: "counted", as: Int64.self)
            let maxSeq = try row.decode(column: "max_seq", as: Int64.self)
            if stored != counted { result.discrepancies.append(.init(kind: "conversation", id: id, field: "message_count", expected: counted, actual: stored)) }
            if maxSeq != counted { result.discrepancies.append(.init(kind: "conversation", id: id, field: "seq", expected: counted, actual: maxSeq)) }
        }

        // Assistant messages carry exactly their call's numbers.
        let messages = try await sql.raw(
            """
            SELECT m.id, m.input_tokens AS m_in, c.input_tokens AS c_in, m.cached_input_tokens AS m_cached, c.cached_input_tokens AS c_cached,
                m.cache_write_tokens AS m_write, c.cache_write_tokens AS c_write, m.output_tokens AS m_out, c.output_tokens AS c_out,
                m.reasoning_tokens AS m_reason, c.reasoning_tokens AS c_reason, m.cost_nanousd AS m_cost, c.cost_nanousd AS c_cost
            FROM messages m JOIN llm_calls c ON c.id = m.llm_call_id
            WHERE \(Self.tenantFilter("m", tenantID))
            """
        ).all()
        for row in messages {
            result.checked += 1
            let id = try row.decode(column: "id", as: String.self)
            for (field, message, call) in [
                ("input_tokens", "m_in", "c_in"), ("cached_input_tokens", "m_cached", "c_cached"), ("cache_write_tokens", "m_write", "c_write"),
                ("output_tokens", "m_out", "c_out"), ("reasoning_tokens", "m_reason", "c_reason"), ("cost_nanousd", "m_cost", "c_cost"),
            ] {
                let actual = try row.decode(column: message, as: Int64?.self)
                let expected = try row.decode(column: call, as: Int64?.self)
                if actual != expected { result.discrepancies.append(.init(kind: "message", id: id, field: field, expected: expected, actual: actual)) }
            }
        }

        // Daily rollups against the calls grouped by the same keys.
        try await checkRollup(
            "usage_daily", keys: ["tenant_id", "day", "provider", "model", "user_id", "api_key_id"], scope: scope, final: final, on: sql, into: &result
        )
        try await checkRollup("usage_daily_purposes", keys: ["tenant_id", "day", "purpose", "user_id"], scope: scope, final: final, on: sql, into: &result)
        try await checkHourly(scope: scope, final: final, on: sql, into: &result)
        return result
    }

    /// A usage rollup's rows against the calls grouped by the rollup's keys: totals and failed calls.
    static func checkRollup(
        _ table: String, keys: [String], scope: SQLQueryString, final: SQLQueryString, on sql: any SQLDatabase, into result: inout Result
    ) async throws {
        let rollupKey = keys.joined(separator: ", ")
        let storedRollups = try await sql.raw(
            "SELECT \(unsafeRaw: rollupKey), failed_calls, \(unsafeRaw: Self.totalColumns) FROM \(ident: table) WHERE \(scope)"
        ).all()
        let computedRollups = try await sql.raw(
            """
            SELECT \(unsafeRaw: rollupKey), \(unsafeRaw: Self.callSums),
                CAST(SUM(CASE WHEN status IN ('error', 'interrupted', 'cancelled') THEN 1 ELSE 0 END) AS BIGINT) AS failed_calls
            FROM llm_calls WHERE \(scope) AND \(final) GROUP BY \(unsafeRaw: rollupKey)
            """
        ).all()
        func key(_ row: any SQLRow) throws -> String {
            try keys.map { try row.decode(column: $0, as: String.self) }.joined(separator: "|")
        }
        var expectedRollups: [String: (UsageTotals, Int64)] = [:]
        for row in computedRollups {
            expectedRollups[try key(row)] = (try ConversationStore.totals(from: row), try row.decode(column: "failed_calls", as: Int64.self))
        }
        var seen = Set<String>()
        for row in storedRollups {
            let id = try key(row)
            seen.insert(id)
            result.checked += 1
            let (expected, expectedFailed) = expectedRollups[id] ?? (UsageTotals(), 0)
            compare(kind: table, id: id, expected: expected, actual: try ConversationStore.totals(from: row), into: &result)
            let failed = try row.decode(column: "failed_calls", as: Int64.self)
            if failed != expectedFailed { result.discrepancies.append(.init(kind: table, id: id, field: "failed_calls", expected: expectedFailed, actual: failed)) }
        }
        for (id, (expected, _)) in expectedRollups where !seen.contains(id) {
            result.discrepancies.append(.init(kind: table, id: id, field: "calls", expected: expected.calls, actual: nil))
        }
    }

    /// Hourly analytics rollups against the calls grouped by the same keys, timings included.
    static func checkHourly(scope: SQLQueryString, final: SQLQueryString, on sql: any SQLDatabase, into result: inout Result) async throws {
        let hour = "started_at_ms - (started_at_ms % 3600000)"
        let sums = AnalyticsStore.rollupSums
        try await checkRollup(
            table: "usage_hourly", keys: ["tenant_id", "provider", "model", "user_id", "api_key_id"],
            extras: ["failed_calls", "latency_ms_sum", "ttft_ms_sum", "ttft_calls"],
            computed: """
                SELECT tenant_id, \(hour) AS hour_ms, provider, model, user_id, api_key_id, \(sums),
                    CAST(SUM(\(AnalyticsStore.latencyExpression)) AS BIGINT) AS latency_ms_sum,
                    CAST(COALESCE(SUM(\(AnalyticsStore.ttftExpression)), 0) AS BIGINT) AS ttft_ms_sum,
                    CAST(COUNT(first_token_at_ms) AS BIGINT) AS ttft_calls
                FROM llm_calls WHERE 1 = 1
                """,
            scope: scope, final: final, groupBy: "tenant_id, \(hour), provider, model, user_id, api_key_id", on: sql, into: &result
        )
        try await checkRollup(
            table: "usage_hourly_conversations", keys: ["tenant_id", "conversation_id", "user_id"], extras: ["failed_calls"],
            computed: """
                SELECT tenant_id, \(hour) AS hour_ms, conversation_id, user_id, \(sums)
                FROM llm_calls WHERE conversation_id IS NOT NULL
                """,
            scope: scope, final: final, groupBy: "tenant_id, \(hour), conversation_id, user_id", on: sql, into: &result
        )
    }

    private static func checkRollup(
        table: String, keys: [String], extras: [String], computed: String, scope: SQLQueryString, final: SQLQueryString, groupBy: String,
        on sql: any SQLDatabase, into result: inout Result
    ) async throws {
        let stored = try await sql.raw(
            """
            SELECT hour_ms, \(unsafeRaw: keys.joined(separator: ", ")), \(unsafeRaw: extras.joined(separator: ", ")),
                \(unsafeRaw: Self.totalColumns)
            FROM \(ident: table) WHERE \(scope)
            """
        ).all()
        let expectedRows = try await sql.raw("\(unsafeRaw: computed) AND \(scope) AND \(final) GROUP BY \(unsafeRaw: groupBy)").all()
        func key(_ row: any SQLRow) throws -> String {
            try (keys.map { try row.decode(column: $0, as: String.self) } + [String(try row.decode(column: "hour_ms", as: Int64.self))])
                .joined(separator: "|")
        }
        var expected: [String: any SQLRow] = [:]
        for row in expectedRows { expected[try key(row)] = row }
        var seen = Set<String>()
        for row in stored {
            let id = try key(row)
            seen.insert(id)
            result.checked += 1
            let wanted = expected[id]
            compare(
                kind: table, id: id, expected: try wanted.map(ConversationStore.totals(from:)) ?? UsageTotals(),
                actual: try ConversationStore.totals(from: row), into: &result
            )
            for field in extras {
                let actual = try row.decode(column: field, as: Int64.self)
                let wantedValue = try wanted?.decode(column: field, as: Int64.self) ?? 0
                if actual != wantedValue { result.discrepancies.append(.init(kind: table, id: id, field: field, expected: wantedValue, actual: actual)) }
            }
        }
        for (id, row) in expected where !seen.contains(id) {
            result.discrepancies.append(.init(kind: table, id: id, field: "calls", expected: try row.decode(column: "calls", as: Int64.self), actual: nil))
        }
    }

    private static func compare(kind: String, id: String, expected: UsageTotals, actual: UsageTotals, into result: inout Result) {
        let fields: [(String, KeyPath<UsageTotals, Int64>)] = [
            ("calls", \.calls), ("input_tokens", \.inputTokens), ("cached_input_tokens", \.cachedInputTokens),
            ("cache_write_tokens", \.cacheWriteTokens), ("output_tokens", \.outputTokens), ("reasoning_tokens", \.reasoningTokens),
            ("cost_nanousd", \.costNanoUSD), ("unpriced_calls", \.unpricedCalls),
        ]
        for (field, path) in fields where expected[keyPath: path] != actual[keyPath: path] {
            result.discrepancies.append(.init(kind: kind, id: id, field: field, expected: expected[keyPath: path], actual: actual[keyPath: path]))
        }
    }

    static func tenantFilter(_ table: String?, _ tenantID: String?) -> SQLQueryString {
        guard let tenantID else { return "1 = 1" }
        let column = table.map { "\($0).tenant_id" } ?? "tenant_id"
        return "\(unsafeRaw: column) = \(bind: tenantID)"
    }

    static let totalColumnNames = [
        "calls", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_nanousd", "unpriced_calls",
    ]
    static let totalColumns = totalColumnNames.joined(separator: ", ")

    static let callSums = """
        CAST(COUNT(*) AS BIGINT) AS calls, CAST(SUM(input_tokens) AS BIGINT) AS input_tokens,
        CAST(SUM(cached_input_tokens) AS BIGINT) AS cached_input_tokens, CAST(SUM(cache_write_tokens) AS BIGINT) AS cache_write_tokens,
        CAST(SUM(output_tokens) AS BIGINT) AS output_tokens, CAST(SUM(reasoning_tokens) AS BIGINT) AS reasoning_tokens,
        CAST(COALESCE(SUM(cost_nanousd), 0) AS BIGINT) AS cost_nanousd,
        CAST(SUM(CASE WHEN cost_nanousd IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unpriced_calls
        """
}
