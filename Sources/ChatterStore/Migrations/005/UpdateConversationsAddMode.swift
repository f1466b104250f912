import FluentKit
import SQLKit

/// `assistant` chats get an LLM reply; `observe` conversations record a human support conversation (issue 5).
struct UpdateConversationsAddMode: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE conversations ADD COLUMN mode TEXT NOT NULL DEFAULT 'assistant'").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE conversations DROP COLUMN mode").run()
    }
}
