import ChatterCore
import SQLKit

/// Reads usage back from the daily rollups the ledger transaction maintains.
public struct UsageStore: Sendable {
    public enum Dimension: String, Sendable, CaseIterable {
        case day, provider, model, user, key, purpose

        var column: String {
            switch self {
            case .day: "day"
            case .provider: "provider"
            case .model: "model"
            case .user: "user_id"
            case .key: "api_key_id"
            case .purpose: "purpose"
            }
        }
    }

    public struct Row: Sendable, Equatable {
        public var dimensions: [Dimension: String]
        public var totals: UsageTotals
        public var failedCalls: Int64
    }

    public struct Report: Sendable {
        public var rows: [Row]
        public var totals: UsageTotals
        public var failedCalls: Int64
    }

    let database: ChatterDatabase

    public init(database: ChatterDatabase) {
        self.database = database
    }

    /// Usage of the tenant between two UTC days (inclusive), grouped by the given dimensions.
    /// Non-admins see only their own usage.
    public func report(for identity: Identity, fromDay: String, toDay: String, groupBy: [Dimension]) async throws -> Report {
        let groupColumns = groupBy.map(\.column)
        let selectGroups = groupColumns.map { "\($0), " }.joined()
        let groupClause = groupColumns.isEmpty ? "" : "GROUP BY \(groupColumns.joined(separator: ", ")) ORDER BY \(groupColumns.joined(separator: ", "))"
        // Usage by purpose has its own rollup, keyed by day, purpose and user.
        let byPurpose = groupBy.contains(.purpose)
        if byPurpose, let other = groupBy.first(where: { ![.day, .user, .purpose].contains($0) }) {
            throw ChatterError.invalid("group_by purpose combines with day and user only (got \(other.rawValue))")
        }
        let rows = try await database.sql.raw(
            """
            SELECT \(unsafeRaw: selectGroups)\(unsafeRaw: Self.sums) FROM \(ident: byPurpose ? "usage_daily_purposes" : "usage_daily")
            WHERE tenant_id = \(bind: identity.tenantID) AND day >= \(bind: fromDay) AND day <= \(bind: toDay)
            AND (\(bind: identity.isAdmin ? 1 : 0) = 1 OR user_id = \(bind: identity.userID))
            \(unsafeRaw: groupClause)
            """
        ).all()
        var report = Report(rows: [], totals: UsageTotals(), failedCalls: 0)
        for row in rows {
            let totals = try Self.totals(from: row)
            guard totals.calls > 0 || !groupBy.isEmpty else { continue }
            var dimensions: [Dimension: String] = [:]
            for dimension in groupBy {
                dimensions[dimension] = try row.decode(column: dimension.column, as: String.self)
            }
            let failed = try row.decode(column: "failed_calls", as: Int64.self)
            report.rows.append(Row(dimensions: dimensions, totals: totals, failedCalls: failed))
            report.totals.add(totals)
            report.failedCalls += failed
        }
        return report
    }

    static let sums = """
        CAST(COALESCE(SUM(calls), 0) AS BIGINT) AS calls, CAST(COALESCE(SUM(failed_calls), 0) AS BIGINT) AS failed_calls,
        CAST(COALESCE(SUM(input_tokens), 0) AS BIGINT) AS input_tokens,
        CAST(COALESCE(SUM(cached_input_tokens), 0) AS BIGINT) AS cached_input_tokens,
        CAST(COALESCE(SUM(cache_write_tokens), 0) AS BIGINT) AS cache_write_tokens,
        CAST(COALESCE(SUM(output_tokens), 0) AS BIGINT) AS output_tokens,
        CAST(COALESCE(SUM(reasoning_tokens), 0) AS BIGINT) AS reasoning_tokens,
        CAST(COALESCE(SUM(cost_nanousd), 0) AS BIGINT) AS cost_nanousd,
        CAST(COALESCE(SUM(unpriced_calls), 0) AS BIGINT) AS unpriced_calls
        """

    static func totals(from row: any SQLRow) throws -> UsageTotals {
        try ConversationStore.totals(from: row)
    }
}

extension UsageTotals {
    public mutating func add(_ other: UsageTotals) {
        calls += other.calls
        inputTokens += other.inputTokens
        cachedInputTokens += other.cachedInputTokens
        cacheWriteTokens += other.cacheWriteTokens
        outputTokens += other.outputTokens
        reasoningTokens += other.reasoningTokens
        costNanoUSD += other.costNanoUSD
        unpricedCalls += other.unpricedCalls
    }
}
