import ChatterCore
import SQLiteKit
import SQLKit

/// A write transaction described as data: statements run in order, each built from the rows the earlier ones
/// returned. The same script runs on PostgreSQL (one SQLKit transaction) and on SQLite (the group-committing
/// writer, which runs it on its own thread in one hop, inside a savepoint of a shared commit).
public struct SQLScript: Sendable {
    /// The rows each statement run so far returned, in order (empty for a skipped step).
    public typealias Results = [[any SQLRow]]

    struct Step: Sendable {
        let make: @Sendable (Results) throws -> SQLQueryString?
        /// Thrown, undoing the whole script, when the statement returns no row.
        let whenEmpty: ChatterError?
    }

    private(set) var steps: [Step] = []

    /// Whether the commit must reach the disk before the script returns. When false (SQLite only), the commit
    /// survives a crash of the process at once and reaches the disk with the next durable commit.
    public var durable: Bool

    public init(durable: Bool = true) {
        self.durable = durable
    }

    /// A statement known in advance; `whenEmpty` makes it required to return a row.
    mutating func add(_ query: SQLQueryString, whenEmpty: ChatterError? = nil) {
        steps.append(Step(make: { _ in query }, whenEmpty: whenEmpty))
    }

    /// A statement built from the earlier statements' rows; returning nil skips it.
    mutating func add(whenEmpty: ChatterError? = nil, _ make: @escaping @Sendable (Results) throws -> SQLQueryString?) {
        steps.append(Step(make: make, whenEmpty: whenEmpty))
    }

    /// Runs the script on an SQLKit connection that is already inside a transaction.
    func run(on sql: any SQLDatabase) async throws -> Results {
        var results: Results = []
        for step in steps {
            guard let query = try step.make(results) else {
                results.append([])
                continue
            }
            let rows = try await sql.raw(query).all()
            if rows.isEmpty, let error = step.whenEmpty { throw error }
            results.append(rows)
        }
        return results
    }

    /// Runs the script synchronously on a raw SQLite connection (the writer's thread).
    func run(on connection: RawSQLiteConnection, serializingWith dialectSource: any SQLDatabase) throws -> Results {
        var results: Results = []
        for step in steps {
            guard let query = try step.make(results) else {
                results.append([])
                continue
            }
            var serializer = SQLSerializer(database: dialectSource)
            query.serialize(to: &serializer)
            let encoder = SQLiteDataEncoder()
            let binds = try serializer.binds.map { try encoder.encode($0) }
            let rows = try connection.query(serializer.sql, binds)
            if rows.isEmpty, let error = step.whenEmpty { throw error }
            results.append(rows)
        }
        return results
    }
}
