import FluentKit
import SQLKit

/// Indexes of the ledger that hold only the rows they are searched for. Every index entry a call adds or moves is
/// one more page its commits write, and two of these were mostly dead weight:
/// - calls and executions by conversation: a gateway call has none, so its NULL went into both indexes;
/// - calls by status and node: only calls `in_flight` are ever looked up (recovery after a crash), yet every
///   finalised call moved its entry to its final status.
struct UpdateLedgerIndexesPartial: AsyncMigration {
    /// Each index as it was and as it becomes: (name, definition).
    private static let changes: [(before: (String, String), after: (String, String))] = [
        (("llm_calls_status_node", "llm_calls (status, node_id)"), ("llm_calls_in_flight", "llm_calls (node_id) WHERE status = 'in_flight'")),
        (
            ("llm_calls_conversation", "llm_calls (conversation_id)"),
            ("llm_calls_conversation", "llm_calls (conversation_id) WHERE conversation_id IS NOT NULL")
        ),
        (
            ("workflow_executions_conversation", "workflow_executions (conversation_id)"),
            ("workflow_executions_conversation", "workflow_executions (conversation_id) WHERE conversation_id IS NOT NULL")
        ),
    ]

    func prepare(on database: any Database) async throws {
        for change in Self.changes { try await Self.replace(change.before, with: change.after, on: database) }
    }

    func revert(on database: any Database) async throws {
        for change in Self.changes { try await Self.replace(change.after, with: change.before, on: database) }
    }

    private static func replace(_ old: (String, String), with new: (String, String), on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX \(unsafeRaw: old.0)").run()
        try await sql.raw("CREATE INDEX \(unsafeRaw: new.0) ON \(unsafeRaw: new.1)").run()
    }
}
