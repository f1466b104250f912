import FluentKit
import SQLKit

/// Each intelligence agent's running result per conversation: `state` is what the agent folds the next
/// messages into, `view` the part clients read. `rev` guards against two writers folding from the same state;
/// `watermark_seq` is the last message folded in.
struct CreateIntelStates: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw(
            """
            CREATE TABLE intel_states (
            conversation_id TEXT NOT NULL REFERENCES conversations(id),
            agent TEXT NOT NULL,
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            rev BIGINT NOT NULL,
            watermark_seq BIGINT NOT NULL,
            engine TEXT NOT NULL,
            degraded_reason TEXT,
            state TEXT NOT NULL,
            view TEXT NOT NULL,
            updated_at_ms BIGINT NOT NULL,
            PRIMARY KEY (conversation_id, agent)
            )
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE intel_states").run()
    }
}
