import FluentKit
import SQLKit

/// The aggregator's merged view of a conversation: the latest result of every agent, with `has_pii` sticky.
struct CreateConversationInsights: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw(
            """
            CREATE TABLE conversation_insights (
            conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            has_pii BIGINT NOT NULL DEFAULT 0,
            version BIGINT NOT NULL,
            view TEXT NOT NULL,
            updated_at_ms BIGINT NOT NULL
            )
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE conversation_insights").run()
    }
}
