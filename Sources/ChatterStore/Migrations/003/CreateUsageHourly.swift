import FluentKit
import SQLKit

/// Hourly rollups for analytics, maintained by the ledger's finalising transaction: usage and cost by
/// provider, model, user and key, with latency and time-to-first-token histograms; and usage and cost by
/// conversation (a separate table, so the first stays small however many conversations there are).
struct CreateUsageHourly: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let histograms = (LatencyBuckets.latencyColumns + LatencyBuckets.ttftColumns)
            .map { "\($0) BIGINT NOT NULL DEFAULT 0" }.joined(separator: ",\n")
        try await sql.raw(
            """
            CREATE TABLE usage_hourly (
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            hour_ms BIGINT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            user_id TEXT NOT NULL,
            api_key_id TEXT NOT NULL,
            calls BIGINT NOT NULL DEFAULT 0,
            failed_calls BIGINT NOT NULL DEFAULT 0,
            input_tokens BIGINT NOT NULL DEFAULT 0,
            cached_input_tokens BIGINT NOT NULL DEFAULT 0,
            cache_write_tokens BIGINT NOT NULL DEFAULT 0,
            output_tokens BIGINT NOT NULL DEFAULT 0,
            reasoning_tokens BIGINT NOT NULL DEFAULT 0,
            cost_nanousd BIGINT NOT NULL DEFAULT 0,
            unpriced_calls BIGINT NOT NULL DEFAULT 0,
            latency_ms_sum BIGINT NOT NULL DEFAULT 0,
            ttft_ms_sum BIGINT NOT NULL DEFAULT 0,
            ttft_calls BIGINT NOT NULL DEFAULT 0,
            \(unsafeRaw: histograms),
            PRIMARY KEY (tenant_id, hour_ms, provider, model, user_id, api_key_id)
            )
            """
        ).run()
        try await sql.raw(
            """
            CREATE TABLE usage_hourly_conversations (
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            hour_ms BIGINT NOT NULL,
            conversation_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            calls BIGINT NOT NULL DEFAULT 0,
            failed_calls BIGINT NOT NULL DEFAULT 0,
            input_tokens BIGINT NOT NULL DEFAULT 0,
            cached_input_tokens BIGINT NOT NULL DEFAULT 0,
            cache_write_tokens BIGINT NOT NULL DEFAULT 0,
            output_tokens BIGINT NOT NULL DEFAULT 0,
            reasoning_tokens BIGINT NOT NULL DEFAULT 0,
            cost_nanousd BIGINT NOT NULL DEFAULT 0,
            unpriced_calls BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (tenant_id, hour_ms, conversation_id, user_id)
            )
            """
        ).run()
        // A database upgraded to this version already has calls: its rollups start complete.
        try await AnalyticsStore.rebuildHourlyRollups(tenantID: nil, on: sql)
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE usage_hourly_conversations").run()
        try await (database as! any SQLDatabase).raw("DROP TABLE usage_hourly").run()
    }
}
