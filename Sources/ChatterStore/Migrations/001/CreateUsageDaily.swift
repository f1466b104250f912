import FluentKit
import SQLKit

struct CreateUsageDaily: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw(
            """
            CREATE TABLE usage_daily (
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            day TEXT NOT NULL,
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
            PRIMARY KEY (tenant_id, day, provider, model, user_id, api_key_id)
            )
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE usage_daily").run()
    }
}
