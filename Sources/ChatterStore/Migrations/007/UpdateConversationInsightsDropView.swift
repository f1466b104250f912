import FluentKit
import SQLKit

/// The merged view is no longer stored: it is read as one statement joining the conversation's row (version,
/// sticky `has_pii`) with the agents' states, which hold each agent's latest result. Storing it meant rewriting
/// every agent's result (several KB) on every agent's commit.
struct UpdateConversationInsightsDropView: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE conversation_insights DROP COLUMN view").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE conversation_insights ADD COLUMN view TEXT NOT NULL DEFAULT '{}'").run()
    }
}
