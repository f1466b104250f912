import FluentKit
import SQLKit

/// The durable event log: append-only, `seq` in commit order (ARCHITECTURE §3).
struct CreateEvents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let seq = sql.dialect.name == "sqlite" ? "seq INTEGER PRIMARY KEY AUTOINCREMENT" : "seq BIGSERIAL PRIMARY KEY"
        try await sql.raw(
            """
            CREATE TABLE events (
            \(unsafeRaw: seq),
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            tenant_id TEXT NOT NULL REFERENCES tenants(id),
            user_id TEXT,
            conversation_id TEXT,
            execution_id TEXT,
            correlation_id TEXT,
            at_ms BIGINT NOT NULL,
            data TEXT NOT NULL
            )
            """
        ).run()
        try await sql.raw("CREATE INDEX events_tenant_seq ON events (tenant_id, seq)").run()
        try await sql.raw("CREATE INDEX events_at ON events (at_ms)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP TABLE events").run()
    }
}
