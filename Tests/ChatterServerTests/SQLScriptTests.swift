import ChatterCore
@testable import ChatterStore
import SQLKit
import Testing

/// Write scripts on a real database: steps built from earlier rows, statements run together, and, on PostgreSQL,
/// the commit mode a script asks for, set in the statement that takes the event log's lock.
@Suite struct SQLScriptTests {
    static func withDatabase(
        _ database: TestDatabase, connections: Int = 4, _ body: (ChatterDatabase, String) async throws -> Void
    ) async throws {
        let url = try await database.makeURL()
        if database == .postgres, let name = url.split(separator: "/").last {
            // The test server runs with synchronous_commit off; this database gets PostgreSQL's default back.
            try await ChatterDatabase.using(url: url, connections: 1) { admin in
                try await admin.sql.raw("ALTER DATABASE \(ident: String(name)) SET synchronous_commit = on").run()
            }
        }
        try await ChatterDatabase.using(url: url, connections: connections) { chatter in
            try await chatter.migrate()
            let tenantID = Identifier.make()
            try await chatter.sql.raw(
                "INSERT INTO tenants (id, name, created_at_ms) VALUES (\(bind: tenantID), 'script tests', \(bind: Clock.nowMilliseconds()))"
            ).run()
            try await body(chatter, tenantID)
        }
    }

    static func event(_ tenantID: String, _ marker: String) -> EventDraft {
        var data = JSONObjectWriter()
        data["marker"] = .string(marker)
        return EventDraft(
            .workflowStarted, tenantID: tenantID, userID: nil, conversationID: nil, executionID: nil, correlationID: nil,
            atMilliseconds: Clock.nowMilliseconds(), data: data
        )
    }

    static let synchronousCommit: SQLQueryString = "SELECT current_setting('synchronous_commit') AS mode"

    @Test(arguments: TestDatabase.all)
    func aScriptThatIsNotDurableRelaxesOnlyItsOwnCommit(database: TestDatabase) async throws {
        try await Self.withDatabase(database) { chatter, tenantID in
            guard chatter.sql.dialect.name == "postgresql" else { return }
            // With events: the setting changes in the statement that takes the lock, for the rest of the transaction.
            var relaxed = SQLScript(durable: false)
            relaxed.add(event: Self.event(tenantID, "relaxed"))
            relaxed.add(Self.synchronousCommit)
            #expect(try await chatter.run(relaxed)[1].first?.decode(column: "mode", as: String.self) == "off")

            // Without events: in a statement of its own.
            var quiet = SQLScript(durable: false)
            quiet.add(Self.synchronousCommit)
            #expect(try await chatter.run(quiet)[0].first?.decode(column: "mode", as: String.self) == "off")

            // A durable script, and the connections afterwards, keep the server's setting.
            var durable = SQLScript()
            durable.add(event: Self.event(tenantID, "durable"))
            durable.add(Self.synchronousCommit)
            #expect(try await chatter.run(durable)[1].first?.decode(column: "mode", as: String.self) == "on")
            for _ in 0..<4 {
                #expect(try await chatter.sql.raw(Self.synchronousCommit).first()?.decode(column: "mode", as: String.self) == "on")
            }
            let markers = try await chatter.sql.raw("SELECT data FROM events ORDER BY seq").all()
                .map { try $0.decode(column: "data", as: String.self) }
            #expect(markers.count == 2)
            #expect(markers.first?.contains("relaxed") == true && markers.last?.contains("durable") == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func statementsRunTogetherAreBuiltFromEarlierRowsAndUndoneWithTheScript(database: TestDatabase) async throws {
        try await Self.withDatabase(database) { chatter, tenantID in
            let first = Identifier.make()
            let second = Identifier.make()
            var script = SQLScript()
            script.add("SELECT 7 AS n")
            script.add(together: { results in
                let n = try results[0][0].decode(column: "n", as: Int64.self)
                // One built with SQLKit, one written with its values (`FixedSQL`), which SQLite runs without SQLKit.
                return [
                    .query("INSERT INTO tenants (id, name, created_at_ms) VALUES (\(bind: first), \(bind: "t\(n)"), \(bind: n))"),
                    .fixed(
                        FixedSQL(
                            FixedSQL.Text("INSERT INTO tenants (id, name, created_at_ms) VALUES (?, ?, ?)"),
                            [.text(second), .text("t\(n + 1)"), .integer(n)]
                        )
                    ),
                ]
            })
            script.add(together: { _ in [] })
            script.add(event: Self.event(tenantID, "together"))
            let results = try await chatter.run(script)
            #expect(results.count == 4 && results[1].isEmpty && results[2].isEmpty)
            let names = try await chatter.sql.raw("SELECT name FROM tenants WHERE created_at_ms = 7 ORDER BY name").all()
                .map { try $0.decode(column: "name", as: String.self) }
            #expect(names == ["t7", "t8"])

            // A failing statement in the group undoes the whole script, the rows of its other statements included.
            var failing = SQLScript()
            failing.add(together: [
                .query("INSERT INTO tenants (id, name, created_at_ms) VALUES (\(bind: Identifier.make()), 'kept?', 8)"),
                .fixed(FixedSQL(FixedSQL.Text("INSERT INTO tenants (id, name, created_at_ms) VALUES (?, 'duplicate id', 8)"), [.text(first)])),
            ])
            failing.add(event: Self.event(tenantID, "failing"))
            await #expect(throws: (any Error).self) { try await chatter.run(failing) }
            let after = try await chatter.sql.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM tenants WHERE created_at_ms = 8").first()
            #expect(try after?.decode(column: "n", as: Int64.self) == 0)
            let events = try await chatter.sql.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM events").first()
            #expect(try events?.decode(column: "n", as: Int64.self) == 1)
        }
    }

    /// Scripts arriving together (on SQLite, group-committed by the writer in shared transactions): each commits
    /// exactly once, a failing one undoes only itself, alone or in a batch, and the writer is usable afterwards.
    @Test(arguments: TestDatabase.all)
    func scriptsArrivingTogetherCommitOnceEachAndAFailureUndoesOnlyItsScript(database: TestDatabase) async throws {
        // On PostgreSQL the scripts queue for the pool's connections, the server's default 16 (with 4, two to a loop,
        // the last of 60 waiters on a loop outwaited the pool's 30 s on a machine loaded by the whole suite).
        try await Self.withDatabase(database, connections: 16) { chatter, _ in
            let prefix = "burst-\(Identifier.make())-"
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<120 {
                    group.addTask {
                        var script = SQLScript(durable: index % 2 == 0)
                        script.add(
                            """
                            INSERT INTO tenants (id, name, created_at_ms)
                            VALUES (\(bind: Identifier.make()), \(bind: prefix + String(index)), \(bind: Int64(index)))
                            """
                        )
                        if index % 10 == 3 { script.add("SELECT 1 AS one WHERE 1 = 0", whenEmpty: ChatterError.invalid("refused")) }
                        do {
                            _ = try await chatter.run(script)
                            return true
                        } catch let error as ChatterError {
                            #expect(error.detail == "refused")
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 108)
            let names = try await chatter.sql.raw("SELECT name FROM tenants WHERE name LIKE \(bind: prefix + "%")").all()
                .map { try $0.decode(column: "name", as: String.self) }
            #expect(Set(names) == Set((0..<120).filter { $0 % 10 != 3 }.map { prefix + String($0) }))
            #expect(names.count == 108)

            // Alone: the failing script leaves nothing, the next one commits.
            var failing = SQLScript()
            failing.add("INSERT INTO tenants (id, name, created_at_ms) VALUES (\(bind: Identifier.make()), \(bind: prefix + "alone"), 0)")
            failing.add("SELECT 1 AS one WHERE 1 = 0", whenEmpty: ChatterError.invalid("refused"))
            await #expect(throws: ChatterError.self) { _ = try await chatter.run(failing) }
            var next = SQLScript()
            next.add("INSERT INTO tenants (id, name, created_at_ms) VALUES (\(bind: Identifier.make()), \(bind: prefix + "next"), 0)")
            _ = try await chatter.run(next)
            let after = try await chatter.sql.raw(
                "SELECT name FROM tenants WHERE name IN (\(bind: prefix + "alone"), \(bind: prefix + "next"))"
            ).all().map { try $0.decode(column: "name", as: String.self) }
            #expect(after == [prefix + "next"])
        }
    }
}
