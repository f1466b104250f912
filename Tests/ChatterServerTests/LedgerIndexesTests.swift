import ChatterCore
@testable import ChatterStore
import SQLKit
import Testing

/// The ledger's partial indexes: they hold only the rows they are searched for, and the searches use them.
@Suite struct LedgerIndexesTests {
    static let partial = ["llm_calls_in_flight", "llm_calls_conversation", "workflow_executions_conversation"]

    @Test(arguments: TestDatabase.all)
    func theLedgersLookupsUseIndexesOfOnlyTheRowsTheyWant(database: TestDatabase) async throws {
        let url = try await database.makeURL()
        try await ChatterDatabase.using(url: url, connections: 2) { chatter in
            try await chatter.migrate()
            let sql = chatter.sql
            let definitions: [String: String]
            if chatter.kind == .sqlite {
                definitions = try await sql.raw("SELECT name, sql FROM sqlite_master WHERE type = 'index'").all().reduce(into: [:]) {
                    $0[try $1.decode(column: "name", as: String.self)] = try $1.decode(column: "sql", as: String?.self) ?? ""
                }
            } else {
                definitions = try await sql.raw("SELECT indexname, indexdef FROM pg_indexes").all().reduce(into: [:]) {
                    $0[try $1.decode(column: "indexname", as: String.self)] = try $1.decode(column: "indexdef", as: String.self)
                }
            }
            #expect(definitions["llm_calls_status_node"] == nil)
            for name in Self.partial {
                #expect(definitions[name]?.uppercased().contains("WHERE") == true, "\(name): \(definitions[name] ?? "missing")")
            }
            guard chatter.kind == .sqlite else { return }
            // The plans SQLite picks (PostgreSQL scans tables this small whatever the indexes).
            func plan(_ query: SQLQueryString) async throws -> String {
                try await sql.raw("EXPLAIN QUERY PLAN \(query)").all().map { try $0.decode(column: "detail", as: String.self) }
                    .joined(separator: "; ")
            }
            let recovery = try await plan(
                "SELECT c.id FROM llm_calls c JOIN workflow_executions e ON e.id = c.execution_id WHERE c.status = 'in_flight' AND 1 = 1"
            )
            #expect(recovery.contains("llm_calls_in_flight"), "\(recovery)")
            let calls = try await plan("SELECT id FROM llm_calls WHERE conversation_id = \(bind: "c1")")
            #expect(calls.contains("llm_calls_conversation"), "\(calls)")
            let executions = try await plan("SELECT id FROM workflow_executions WHERE conversation_id = \(bind: "c1")")
            #expect(executions.contains("workflow_executions_conversation"), "\(executions)")
        }
    }
}
