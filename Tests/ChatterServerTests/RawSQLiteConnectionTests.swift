import Foundation
@testable import ChatterStore
import SQLiteNIO
import Testing

/// Statements kept prepared stay compiled: a new bound value does not make SQLite compile them again.
@Suite struct RawSQLiteConnectionTests {
    @Test func keptStatementsAreNotRecompiledForNewValues() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("raw-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let connection = try RawSQLiteConnection(path: path)
        defer { connection.close() }
        try connection.execute("CREATE TABLE t (id TEXT PRIMARY KEY, owner TEXT NOT NULL, seq INTEGER NOT NULL, UNIQUE (owner, seq))")
        for (index, owner) in ["a", "a", "b", "c"].enumerated() {
            _ = try connection.query("INSERT INTO t (id, owner, seq) VALUES (?, ?, ?)", [.text("r\(index)"), .text(owner), .integer(index)])
        }
        // SQLite 3.54 marks each of these (an equality on an index that also gives the order, and min/max on it) to be
        // compiled again whenever its value changes, unless the connection asks for stable plans.
        let queries = ["SELECT seq FROM t WHERE owner = ? ORDER BY seq DESC LIMIT 10", "SELECT max(seq) AS m FROM t WHERE owner = ?"]
        for sql in queries {
            var counts: [Int] = []
            for owner in ["a", "b", "c", "a"] { counts.append(try connection.query(sql, [.text(owner)]).count) }
            #expect(counts == (sql.contains("max") ? [1, 1, 1, 1] : [2, 1, 1, 2]))
            #expect(connection.recompilations(of: sql) == 0, "\(sql)")
        }
    }
}
