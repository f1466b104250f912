import FluentKit
import SQLKit

struct CreateWorkflowExecutions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw(
            """
            CREATE TABLE workflow_executions (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            user_id TEXT NOT NULL,
            api_key_id TEXT NOT NULL,
            conversation_id TEXT,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            correlation_id TEXT,
            error TEXT,
            calls BIGINT NOT NULL DEFAULT 0,
            input_tokens BIGINT NOT NULL DEFAULT 0,
            cached_input_tokens BIGINT NOT NULL DEFAULT 0,
            cache_write_tokens BIGINT NOT NULL DEFAULT 0,
            output_tokens BIGINT NOT NULL DEFAULT 0,
            reasoning_tokens BIGINT NOT NULL DEFAULT 0,
            cost_nanousd BIGINT NOT NULL DEFAULT 0,
            unpriced_calls BIGINT NOT NULL DEFAULT 0,
            started_at_ms BIGINT NOT NULL,
            finished_at_ms BIGINT
            )
            """
        ).run()
        try await sql.raw("CREATE INDEX workflow_executions_tenant ON workflow_executions (tenant_id, started_at_ms)").run()
        try await sql.raw("CREATE INDEX workflow_executions_conversation ON workflow_executions (conversation_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE workflow_executions").run()
    }
}
