import FluentKit
import SQLKit

/// Who wrote an observed message (roles `customer` and `agent` need no new column: `role` is text).
struct UpdateMessagesAddAuthor: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE messages ADD COLUMN author TEXT").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE messages DROP COLUMN author").run()
    }
}
