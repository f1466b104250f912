import FluentKit
import SQLKit

struct CreateLLMCalls: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw(
            """
            CREATE TABLE llm_calls (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            user_id TEXT NOT NULL,
            api_key_id TEXT NOT NULL,
            execution_id TEXT NOT NULL,
            conversation_id TEXT,
            purpose TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            response_model TEXT,
            streamed BIGINT NOT NULL,
            attempt BIGINT NOT NULL,
            node_id TEXT NOT NULL,
            status TEXT NOT NULL,
            usage_source TEXT,
            input_tokens BIGINT NOT NULL DEFAULT 0,
            cached_input_tokens BIGINT NOT NULL DEFAULT 0,
            cache_write_tokens BIGINT NOT NULL DEFAULT 0,
            output_tokens BIGINT NOT NULL DEFAULT 0,
            reasoning_tokens BIGINT NOT NULL DEFAULT 0,
            estimated_input_tokens BIGINT NOT NULL,
            raw_usage TEXT,
            cost_nanousd BIGINT,
            price_id TEXT,
            finish_reason TEXT,
            upstream_request_id TEXT,
            error TEXT,
            day TEXT NOT NULL,
            started_at_ms BIGINT NOT NULL,
            first_token_at_ms BIGINT,
            finished_at_ms BIGINT
            )
            """
        ).run()
        try await sql.raw("CREATE INDEX llm_calls_tenant_started ON llm_calls (tenant_id, started_at_ms)").run()
        try await sql.raw("CREATE INDEX llm_calls_status_node ON llm_calls (status, node_id)").run()
        try await sql.raw("CREATE INDEX llm_calls_execution ON llm_calls (execution_id)").run()
        try await sql.raw("CREATE INDEX llm_calls_conversation ON llm_calls (conversation_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE llm_calls").run()
    }
}
