import FluentKit
import SQLKit

/// Messages an agent kept failing on, with the error and attempt count; retryable through the API.
struct CreateIntelDeadLetters: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw(
            """
            CREATE TABLE intel_dead_letters (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            message_id TEXT NOT NULL REFERENCES messages(id),
            message_seq BIGINT NOT NULL,
            event_seq BIGINT NOT NULL,
            agent TEXT NOT NULL,
            error TEXT NOT NULL,
            attempts BIGINT NOT NULL,
            status TEXT NOT NULL,
            created_at_ms BIGINT NOT NULL,
            updated_at_ms BIGINT NOT NULL,
            UNIQUE (agent, message_id)
            )
            """
        ).run()
        try await sql.raw("CREATE INDEX intel_dead_letters_tenant ON intel_dead_letters (tenant_id, status, created_at_ms)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE intel_dead_letters").run()
    }
}
