import FluentKit
import SQLKit

struct CreateMessages: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw(
            """
            CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            seq BIGINT NOT NULL,
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            execution_id TEXT,
            llm_call_id TEXT,
            provider TEXT,
            model TEXT,
            usage_source TEXT,
            input_tokens BIGINT,
            cached_input_tokens BIGINT,
            cache_write_tokens BIGINT,
            output_tokens BIGINT,
            reasoning_tokens BIGINT,
            cost_nanousd BIGINT,
            finish_reason TEXT,
            latency_ms BIGINT,
            ttft_ms BIGINT,
            created_at_ms BIGINT NOT NULL,
            UNIQUE (conversation_id, seq)
            )
            """
        ).run()
        try await sql.raw("CREATE INDEX messages_llm_call ON messages (llm_call_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE messages").run()
    }
}
