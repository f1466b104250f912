import FluentKit
import SQLKit

/// What each agent found in each message (PII-free: the PII agent stores types, positions, value hashes and
/// the redacted text, never a raw value).
struct CreateMessageAnnotations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw(
            """
            CREATE TABLE message_annotations (
            message_id TEXT NOT NULL REFERENCES messages(id),
            agent TEXT NOT NULL,
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            message_seq BIGINT NOT NULL,
            engine TEXT NOT NULL,
            degraded_reason TEXT,
            result TEXT NOT NULL,
            created_at_ms BIGINT NOT NULL,
            PRIMARY KEY (message_id, agent)
            )
            """
        ).run()
        try await sql.raw("CREATE INDEX message_annotations_conversation ON message_annotations (conversation_id, message_seq)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE message_annotations").run()
    }
}
