import ChatterCore
import ChatterStore
import Foundation
import Logging
import SQLKit

/// Times an analytics query over a month of calls: fills a fresh database with `--calls` finalised
/// `llm_calls` rows spread over 30 days (5 providers/models, 50 users, 20,000 conversations), builds the hourly
/// rollups from them, checks that reconcile agrees with them, then times usage grouped by model and day over the
/// 30 days. Conversations are bursts of 50 consecutive calls. (The generated calls have no conversation or
/// execution rows; reconcile checks the calls against the rebuilt daily and hourly rollups.)
@main
struct AnalyticsBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        func option(_ name: String) -> String? {
            arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
        }
        let calls = Int(option("--calls") ?? "") ?? 1_000_000
        let url = option("--database-url") ?? "sqlite://" + FileManager.default.temporaryDirectory.appendingPathComponent("analytics-bench-\(UUID()).sqlite").path
        var logger = Logger(label: "analytics-bench")
        logger.logLevel = .warning
        let database = try await ChatterDatabase.open(url: url, logger: logger)
        try await database.migrate()
        let access = AccessStore(database: database)
        let issued = try await access.createTenant(named: "bench")
        let tenant = issued.key.tenantID
        let now = Clock.nowMilliseconds()
        let monthAgo = now - 30 * 86_400_000

        let fill = ContinuousClock.now
        // Generated in SQL: call i starts at an even spacing over the 30 days.
        let spacing = Double(30 * 86_400_000) / Double(calls)
        // The call's UTC day, as the ledger records it.
        let start = "(\(monthAgo) + CAST(i * \(spacing) AS BIGINT))"
        let dayOfStart =
            database.kind == .sqlite
            ? "strftime('%Y-%m-%d', \(start) / 1000, 'unixepoch')"
            : "to_char(to_timestamp(\(start) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        try await database.sql.raw(
            """
            INSERT INTO llm_calls (id, tenant_id, user_id, api_key_id, execution_id, conversation_id, purpose, provider, model, streamed,
                attempt, node_id, status, usage_source, input_tokens, cached_input_tokens, output_tokens, estimated_input_tokens,
                cost_nanousd, day, started_at_ms, first_token_at_ms, finished_at_ms)
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < \(bind: calls - 1))
            SELECT 'call-' || i, \(bind: tenant), 'user-' || ((i / 50) % 50), 'key-' || ((i / 50) % 50), 'exec-' || i, 'conv-' || (i / 50), 'chat',
                CASE i % 5 WHEN 0 THEN 'openai' WHEN 1 THEN 'openai' WHEN 2 THEN 'anthropic' WHEN 3 THEN 'gemini' ELSE 'ollama' END,
                CASE i % 5 WHEN 0 THEN 'gpt-4o-mini' WHEN 1 THEN 'gpt-4.1' WHEN 2 THEN 'claude-sonnet-4' WHEN 3 THEN 'gemini-2.5-flash' ELSE 'llama3' END,
                i % 2, 1, 'bench', CASE WHEN i % 50 = 0 THEN 'error' ELSE 'ok' END, 'reported', 200 + i % 800, (i % 3) * 64,
                20 + i % 400, 200 + i % 800, CASE WHEN i % 5 = 4 THEN NULL ELSE 1000 + i % 9000 END,
                \(unsafeRaw: dayOfStart),
                \(bind: monthAgo) + CAST(i * \(bind: spacing) AS BIGINT),
                CASE WHEN i % 2 = 1 THEN \(bind: monthAgo) + CAST(i * \(bind: spacing) AS BIGINT) + 80 + i % 900 ELSE NULL END,
                \(bind: monthAgo) + CAST(i * \(bind: spacing) AS BIGINT) + 300 + i % 4000
            FROM n
            """
        ).run()
        let analytics = AnalyticsStore(database: database)
        try await analytics.rebuildRollups(tenantID: tenant)
        let hourlyRows = try await database.sql.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM usage_hourly").first()!.decode(column: "n", as: Int64.self)
        let dailyRows = try await database.sql.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM usage_daily").first()!.decode(column: "n", as: Int64.self)
        print("database: \(database.kind.rawValue); \(calls) calls over 30 days; \(hourlyRows) hourly and \(dailyRows) daily rollup rows; filled in \(fill.duration(to: .now))")

        let scope = AnalyticsStore.Scope(tenantID: tenant, userID: nil)
        var timings: [Duration] = []
        var rows: [AnalyticsStore.Row] = []
        // Whole days, as the API asks for day buckets.
        let fromDay = monthAgo - monthAgo % 86_400_000
        let toDay = now - now % 86_400_000 + 86_400_000
        for _ in 0..<25 {
            let start = ContinuousClock.now
            rows = try await analytics.usage(scope, from: fromDay, to: toDay, bucket: .day, groupBy: [.model])
            timings.append(start.duration(to: .now))
        }
        timings.sort()
        let total = rows.reduce(Int64(0)) { $0 + $1.totals.calls }
        print("usage by model and day over 30 days: \(rows.count) rows, \(total) calls")
        print("query time: p50 \(ms(timings[timings.count / 2])) ms, max \(ms(timings.last!)) ms (25 runs)")
        let top = ContinuousClock.now
        let spenders = try await analytics.top(scope, from: fromDay, to: toDay, by: .conversation, limit: 10)
        print("top 10 conversations by cost over 30 days: \(ms(top.duration(to: .now))) ms (\(spenders.count) rows)")
        let check = try await Reconciler(database: database).run(tenantID: tenant)
        let byKind = Dictionary(grouping: check.discrepancies, by: \.kind).mapValues(\.count)
        print("reconcile: \(check.checked) checked; discrepancies by kind: \(byKind) (must be empty)")
        await database.shutdown()
    }

    static func ms(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }
}
