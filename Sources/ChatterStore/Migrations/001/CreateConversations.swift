import FluentKit
import SQLKit

struct CreateConversations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw(
            """
            CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            user_id TEXT NOT NULL REFERENCES users(id),
            title TEXT,
            model TEXT,
            system_prompt TEXT,
            message_count BIGINT NOT NULL DEFAULT 0,
            calls BIGINT NOT NULL DEFAULT 0,
            input_tokens BIGINT NOT NULL DEFAULT 0,
            cached_input_tokens BIGINT NOT NULL DEFAULT 0,
            cache_write_tokens BIGINT NOT NULL DEFAULT 0,
            output_tokens BIGINT NOT NULL DEFAULT 0,
            reasoning_tokens BIGINT NOT NULL DEFAULT 0,
            cost_nanousd BIGINT NOT NULL DEFAULT 0,
            unpriced_calls BIGINT NOT NULL DEFAULT 0,
            last_message_at_ms BIGINT,
            created_at_ms BIGINT NOT NULL,
            updated_at_ms BIGINT NOT NULL,
            deleted_at_ms BIGINT
            )
            """
        ).run()
        try await sql.raw("CREATE INDEX conversations_tenant_id ON conversations (tenant_id, id)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE conversations").run()
    }
}
