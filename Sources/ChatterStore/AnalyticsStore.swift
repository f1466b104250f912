import ChatterCore
import SQLKit

/// Analytics from the hourly rollups the ledger's finalising transaction maintains: current the moment a
/// call commits, and as costly as the number of buckets read, not the number of calls.
public struct AnalyticsStore: Sendable {
    let database: ChatterDatabase

    public init(database: ChatterDatabase) {
        self.database = database
    }

    public enum Bucket: String, Sendable {
        case hour, day

        var milliseconds: Int64 { self == .hour ? 3_600_000 : 86_400_000 }
    }

    public enum Dimension: String, Sendable, CaseIterable {
        case provider, model, user, key, conversation

        var column: String {
            switch self {
            case .provider: "provider"
            case .model: "model"
            case .user: "user_id"
            case .key: "api_key_id"
            case .conversation: "conversation_id"
            }
        }
    }

    public struct Row: Sendable {
        /// The bucket's first millisecond (nil for rankings, which cover the whole range).
        public var bucketStartMilliseconds: Int64?
        public var dimensions: [Dimension: String]
        public var totals: UsageTotals
        public var failedCalls: Int64
        /// Timings, absent for conversation groupings (their rollup keeps usage and cost only).
        public var latencyMillisecondsSum: Int64?
        public var ttftMillisecondsSum: Int64?
        public var ttftCalls: Int64?
        public var latencyHistogram: [Int64]?
        public var ttftHistogram: [Int64]?

        public var errorRate: Double { totals.calls == 0 ? 0 : Double(failedCalls) / Double(totals.calls) }
        public var averageLatencyMilliseconds: Double? {
            guard let sum = latencyMillisecondsSum, totals.calls > 0 else { return nil }
            return Double(sum) / Double(totals.calls)
        }
        public func latency(_ quantile: Double) -> Double? { latencyHistogram.flatMap { LatencyBuckets.quantile(quantile, of: $0) } }
        public func ttft(_ quantile: Double) -> Double? { ttftHistogram.flatMap { LatencyBuckets.quantile(quantile, of: $0) } }
        /// Output tokens over the time the calls took (tokens summed, time summed).
        public var outputTokensPerSecond: Double? {
            guard let sum = latencyMillisecondsSum, sum > 0 else { return nil }
            return Double(totals.outputTokens) * 1000 / Double(sum)
        }
    }

    /// The caller's scope: a tenant, and for non-admins only their own user's rows.
    public struct Scope: Sendable {
        public var tenantID: String
        public var userID: String?

        public init(tenantID: String, userID: String?) {
            self.tenantID = tenantID
            self.userID = userID
        }
    }

    /// Usage over time in `[from, to)`, bucketed and grouped.
    public func usage(_ scope: Scope, from: Int64, to: Int64, bucket: Bucket, groupBy: [Dimension]) async throws -> [Row] {
        // Whole days read the daily rollup (the same numbers, ~24× fewer rows); anything else the hourly one.
        let daily = bucket == .day && Self.wholeDays(from, to) && !groupBy.contains(.conversation)
        let bucketExpression = daily ? "day" : (bucket == .hour ? "hour_ms" : "hour_ms - (hour_ms % 86400000)")
        return try await read(
            scope, from: from, to: to, daily: daily, bucketExpression: bucketExpression, groupBy: groupBy, order: "bucket_ms", limit: nil
        )
    }

    static func wholeDays(_ from: Int64, _ to: Int64) -> Bool {
        from % 86_400_000 == 0 && to % 86_400_000 == 0
    }

    /// The largest spenders in `[from, to)` by one dimension: by cost, then by tokens.
    public func top(_ scope: Scope, from: Int64, to: Int64, by dimension: Dimension, limit: Int) async throws -> [Row] {
        try await read(
            scope, from: from, to: to, daily: Self.wholeDays(from, to) && dimension != .conversation, bucketExpression: nil, groupBy: [dimension],
            order: "cost_nanousd DESC, SUM(input_tokens) + SUM(output_tokens) DESC", limit: limit
        )
    }

    private func read(
        _ scope: Scope, from: Int64, to: Int64, daily: Bool, bucketExpression: String?, groupBy: [Dimension], order: String, limit: Int?
    ) async throws -> [Row] {
        let byConversation = groupBy.contains(.conversation)
        let table = byConversation ? "usage_hourly_conversations" : (daily ? "usage_daily" : "usage_hourly")
        let histogramColumns = byConversation ? [] : LatencyBuckets.latencyColumns + LatencyBuckets.ttftColumns
        let timingColumns = byConversation ? [] : ["latency_ms_sum", "ttft_ms_sum", "ttft_calls"]
        let sums = (Reconciler.totalColumnNames + ["failed_calls"] + timingColumns + histogramColumns)
            .map { "CAST(COALESCE(SUM(\($0)), 0) AS BIGINT) AS \($0)" }.joined(separator: ", ")
        var keys = groupBy.map(\.column)
        if let bucketExpression { keys.insert(bucketExpression, at: 0) }
        let selectKeys = groupBy.map(\.column) + (bucketExpression.map { ["\($0) AS bucket_ms"] } ?? [])
        let range: SQLQueryString =
            daily
            ? "day >= \(bind: UTCDay.string(fromMilliseconds: from)) AND day < \(bind: UTCDay.string(fromMilliseconds: to))"
            : "hour_ms >= \(bind: from) AND hour_ms < \(bind: to)"
        var query: SQLQueryString = """
            SELECT \(unsafeRaw: (selectKeys + [sums]).joined(separator: ", ")) FROM \(ident: table)
            WHERE tenant_id = \(bind: scope.tenantID) AND \(range)
            """
        if let userID = scope.userID { query = query + " AND user_id = \(bind: userID)" }
        if !keys.isEmpty { query = query + " GROUP BY \(unsafeRaw: keys.joined(separator: ", "))" }
        if bucketExpression != nil || limit != nil { query = query + " ORDER BY \(unsafeRaw: order)" }
        if let limit { query = query + " LIMIT \(bind: limit)" }
        let rows = try await database.sql.raw(query).all()
        return try rows.compactMap { row in
            let totals = try ConversationStore.totals(from: row)
            // An aggregate over no rows is one row of NULLs, read as zeros: not a row of data.
            guard totals.calls > 0 else { return nil }
            var dimensions: [Dimension: String] = [:]
            for dimension in groupBy { dimensions[dimension] = try row.decode(column: dimension.column, as: String.self) }
            func histogram(_ columns: [String]) throws -> [Int64]? {
                byConversation ? nil : try columns.map { try row.decode(column: $0, as: Int64.self) }
            }
            return Row(
                bucketStartMilliseconds: bucketExpression == nil
                    ? nil
                    : daily
                        ? UTCDay.milliseconds(fromDay: try row.decode(column: "bucket_ms", as: String.self))
                        : try row.decode(column: "bucket_ms", as: Int64.self),
                dimensions: dimensions, totals: totals, failedCalls: try row.decode(column: "failed_calls", as: Int64?.self) ?? 0,
                latencyMillisecondsSum: byConversation ? nil : try row.decode(column: "latency_ms_sum", as: Int64.self),
                ttftMillisecondsSum: byConversation ? nil : try row.decode(column: "ttft_ms_sum", as: Int64.self),
                ttftCalls: byConversation ? nil : try row.decode(column: "ttft_calls", as: Int64.self),
                latencyHistogram: try histogram(LatencyBuckets.latencyColumns), ttftHistogram: try histogram(LatencyBuckets.ttftColumns)
            )
        }
    }

    /// Recomputes the daily and hourly rollups of a tenant from its finalised calls, in one transaction: the
    /// repair for drift that reconcile reports, and how data imported into `llm_calls` becomes visible.
    public func rebuildRollups(tenantID: String) async throws {
        _ = try await database.transaction { sql in
            try await Self.rebuildTimedRollup(
                table: "usage_daily", bucketColumn: "day", bucketExpression: "day", scope: "tenant_id = \(bind: tenantID)", on: sql
            )
            try await Self.rebuildHourlyRollups(tenantID: tenantID, on: sql)
            return true
        }
    }

    /// A call's latency and time to first token as the ledger records them in the rollups (never negative,
    /// should the clock step back).
    static let latencyExpression = "(CASE WHEN finished_at_ms < started_at_ms THEN 0 ELSE finished_at_ms - started_at_ms END)"
    static let ttftExpression = "(CASE WHEN first_token_at_ms < started_at_ms THEN 0 ELSE first_token_at_ms - started_at_ms END)"

    /// The rebuild inside an open transaction; `tenantID` nil rebuilds every tenant (the migration that adds the
    /// rollups fills them this way from the calls already recorded).
    static func rebuildHourlyRollups(tenantID: String?, on sql: any SQLDatabase) async throws {
        let scope: SQLQueryString = tenantID.map { "tenant_id = \(bind: $0)" } ?? "1 = 1"
        try await rebuildTimedRollup(table: "usage_hourly", bucketColumn: "hour_ms", bucketExpression: "started_at_ms - (started_at_ms % 3600000)", scope: scope, on: sql)
        try await sql.raw("DELETE FROM usage_hourly_conversations WHERE \(scope)").run()
        try await sql.raw(
            """
            INSERT INTO usage_hourly_conversations (tenant_id, hour_ms, conversation_id, user_id, \(unsafeRaw: rollupTotals))
            SELECT tenant_id, started_at_ms - (started_at_ms % 3600000), conversation_id, user_id, \(unsafeRaw: rollupSums)
            FROM llm_calls WHERE \(scope) AND status <> \(bind: LLMCallStatus.inFlight.rawValue) AND conversation_id IS NOT NULL
            GROUP BY tenant_id, started_at_ms - (started_at_ms % 3600000), conversation_id, user_id
            """
        ).run()
    }

    static let rollupTotals =
        "calls, failed_calls, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd, unpriced_calls"
    static let rollupSums = """
        CAST(COUNT(*) AS BIGINT) AS calls,
        CAST(SUM(CASE WHEN status IN ('error', 'interrupted', 'cancelled') THEN 1 ELSE 0 END) AS BIGINT) AS failed_calls,
        CAST(SUM(input_tokens) AS BIGINT) AS input_tokens, CAST(SUM(cached_input_tokens) AS BIGINT) AS cached_input_tokens,
        CAST(SUM(cache_write_tokens) AS BIGINT) AS cache_write_tokens, CAST(SUM(output_tokens) AS BIGINT) AS output_tokens,
        CAST(SUM(reasoning_tokens) AS BIGINT) AS reasoning_tokens, CAST(COALESCE(SUM(cost_nanousd), 0) AS BIGINT) AS cost_nanousd,
        CAST(SUM(CASE WHEN cost_nanousd IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS unpriced_calls
        """

    /// Recomputes a rollup by provider, model, user and key (with timings and histograms) from the calls.
    static func rebuildTimedRollup(
        table: String, bucketColumn: String, bucketExpression: String, scope: SQLQueryString, on sql: any SQLDatabase
    ) async throws {
        func histogram(_ expression: String, _ columns: [String], onlyWhenPresent: Bool) -> String {
            columns.enumerated().map { index, column in
                let lower = index == 0 ? nil : LatencyBuckets.upperBounds[index - 1]
                let upper = index < LatencyBuckets.upperBounds.count ? LatencyBuckets.upperBounds[index] : nil
                var conditions: [String] = onlyWhenPresent ? ["first_token_at_ms IS NOT NULL"] : []
                if let lower { conditions.append("\(expression) > \(lower)") }
                if let upper { conditions.append("\(expression) <= \(upper)") }
                let condition = conditions.isEmpty ? "1 = 1" : conditions.joined(separator: " AND ")
                return "CAST(SUM(CASE WHEN \(condition) THEN 1 ELSE 0 END) AS BIGINT) AS \(column)"
            }.joined(separator: ", ")
        }
        let histogramColumns = (LatencyBuckets.latencyColumns + LatencyBuckets.ttftColumns).joined(separator: ", ")
        let latencyHistogram = histogram(latencyExpression, LatencyBuckets.latencyColumns, onlyWhenPresent: false)
        let ttftHistogram = histogram(ttftExpression, LatencyBuckets.ttftColumns, onlyWhenPresent: true)
        try await sql.raw("DELETE FROM \(ident: table) WHERE \(scope)").run()
        try await sql.raw(
            """
            INSERT INTO \(ident: table) (tenant_id, \(unsafeRaw: bucketColumn), provider, model, user_id, api_key_id, \(unsafeRaw: rollupTotals),
                latency_ms_sum, ttft_ms_sum, ttft_calls, \(unsafeRaw: histogramColumns))
            SELECT tenant_id, \(unsafeRaw: bucketExpression), provider, model, user_id, api_key_id, \(unsafeRaw: rollupSums),
                CAST(SUM(\(unsafeRaw: latencyExpression)) AS BIGINT), CAST(COALESCE(SUM(\(unsafeRaw: ttftExpression)), 0) AS BIGINT),
                CAST(COUNT(first_token_at_ms) AS BIGINT), \(unsafeRaw: latencyHistogram), \(unsafeRaw: ttftHistogram)
            FROM llm_calls WHERE \(scope) AND status <> \(bind: LLMCallStatus.inFlight.rawValue)
            GROUP BY tenant_id, \(unsafeRaw: bucketExpression), provider, model, user_id, api_key_id
            """
        ).run()
    }

}
