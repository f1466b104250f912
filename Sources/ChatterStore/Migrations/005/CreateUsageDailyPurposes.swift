import FluentKit
import SQLKit

/// Usage and cost by day and purpose (`chat`, `gateway`, `intel.summary`, …), maintained by the finalising
/// transaction like the other rollups, so `/api/v1/usage?group_by=purpose` reads buckets, not calls.
/// Existing calls are summed in at creation.
struct CreateUsageDailyPurposes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw(
            """
            CREATE TABLE usage_daily_purposes (
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            day TEXT NOT NULL,
            purpose TEXT NOT NULL,
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
            PRIMARY KEY (tenant_id, day, purpose, user_id)
            )
            """
        ).run()
        try await sql.raw(
            """
            INSERT INTO usage_daily_purposes (tenant_id, day, purpose, user_id, calls, failed_calls, input_tokens, cached_input_tokens,
                cache_write_tokens, output_tokens, reasoning_tokens, cost_nanousd, unpriced_calls)
            SELECT tenant_id, day, purpose, user_id, COUNT(*),
                SUM(CASE WHEN status IN ('error', 'interrupted', 'cancelled') THEN 1 ELSE 0 END),
                COALESCE(SUM(input_tokens), 0), COALESCE(SUM(cached_input_tokens), 0), COALESCE(SUM(cache_write_tokens), 0),
                COALESCE(SUM(output_tokens), 0), COALESCE(SUM(reasoning_tokens), 0), COALESCE(SUM(cost_nanousd), 0),
                SUM(CASE WHEN cost_nanousd IS NULL THEN 1 ELSE 0 END)
            FROM llm_calls WHERE status <> 'in_flight' GROUP BY tenant_id, day, purpose, user_id
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE usage_daily_purposes").run()
    }
}
