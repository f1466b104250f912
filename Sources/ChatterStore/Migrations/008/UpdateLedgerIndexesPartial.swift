import FluentKit
import SQLKit

/// Indexes of the ledger that hold only the rows they are searched for. Every index entry a call adds or moves is
/// one more page its commits write, and two of these were mostly dead weight:
/// - calls and executions by conversation: a gateway call has none, so its NULL went into both indexes;
/// - calls by status and node: only calls `in_flight` are ever looked up (recovery after a crash), yet every
///   finalised call moved its entry to its final status.
struct UpdateLedgerIndexesPartial: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX llm_calls_status_node").run()
        try await sql.raw("CREATE INDEX llm_calls_in_flight ON llm_calls (node_id) WHERE status = 'in_flight'").run()
        try await sql.raw("DROP INDEX llm_calls_conversation").run()
        try await sql.raw("CREATE INDEX llm_calls_conversation ON llm_calls (conversation_id) WHERE conversation_id IS NOT NULL").run()
        try await sql.raw("DROP INDEX workflow_executions_conversation").run()
        try await sql.raw(
            "CREATE INDEX workflow_executions_conversation ON workflow_executions (conversation_id) WHERE conversation_id IS NOT NULL"
        ).run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX llm_calls_in_flight").run()
        try await sql.raw("CREATE INDEX llm_calls_status_node ON llm_calls (status, node_id)").run()
        try await sql.raw("DROP INDEX llm_calls_conversation").run()
        try await sql.raw("CREATE INDEX llm_calls_conversation ON llm_calls (conversation_id)").run()
        try await sql.raw("DROP INDEX workflow_executions_conversation").run()
        try await sql.raw("CREATE INDEX workflow_executions_conversation ON workflow_executions (conversation_id)").run()
    }
}
