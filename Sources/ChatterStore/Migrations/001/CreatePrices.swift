import FluentKit
import SQLKit

struct CreatePrices: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw(
            """
            CREATE TABLE prices (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            input_per_mtok_nanousd BIGINT NOT NULL,
            cached_input_per_mtok_nanousd BIGINT,
            cache_write_per_mtok_nanousd BIGINT,
            output_per_mtok_nanousd BIGINT NOT NULL,
            effective_from TEXT NOT NULL,
            source TEXT NOT NULL,
            created_at_ms BIGINT NOT NULL
            )
            """
        ).run()
        try await sql.raw("CREATE INDEX prices_tenant_model ON prices (tenant_id, provider, model)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE prices").run()
    }
}
