import FluentKit
import SQLKit

/// Where each consumer group of the event log has read to. A consumer advances its offset in the transaction
/// that writes its output, with a compare-and-set on the old value, so its effects happen exactly once even
/// when several nodes run the same group.
struct CreateConsumerOffsets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw(
            """
            CREATE TABLE consumer_offsets (
            consumer TEXT PRIMARY KEY,
            seq BIGINT NOT NULL,
            updated_at_ms BIGINT NOT NULL
            )
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE consumer_offsets").run()
    }
}
