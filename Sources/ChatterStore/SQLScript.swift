import ChatterCore
import SQLiteKit
import SQLKit

/// A write transaction described as data: statements run in order, each built from the rows the earlier ones
/// returned. The same script runs on PostgreSQL (one SQLKit transaction) and on SQLite (the group-committing
/// writer, which runs it on its own thread in one hop, inside a savepoint of a shared commit).
public struct SQLScript: Sendable {
    /// The rows each statement run so far returned, in order (empty for a skipped step).
    public typealias Results = [[any SQLRow]]

    /// What a script did: its statements' rows, and the types of the events it appended, in order.
    public struct Executed: Sendable {
        public var results: Results
        public var events: [EventType]
    }

    struct Step: Sendable {
        let make: @Sendable (Results) throws -> SQLQueryString?
        /// Thrown, undoing the whole script, when the statement returns no row.
        let whenEmpty: ChatterError?
        /// Set for a step that appends to the event log.
        var makeEvent: (@Sendable (Results) throws -> EventDraft?)? = nil

        var isEvent: Bool { makeEvent != nil }

        /// The statement to run, and the type of the event it appends, if any.
        func statement(after results: Results) throws -> (SQLQueryString, EventType?)? {
            if let makeEvent {
                return try makeEvent(results).map { ($0.insertQuery, $0.type) }
            }
            return try make(results).map { ($0, nil) }
        }
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

    /// An event built from the earlier statements' rows; returning nil skips it. Events go after every other
    /// statement of the script, so that on PostgreSQL the lock that keeps the log's order is held only briefly.
    mutating func add(event make: @escaping @Sendable (Results) throws -> EventDraft?) {
        steps.append(Step(make: { _ in nil }, whenEmpty: nil, makeEvent: make))
    }

    mutating func add(event: EventDraft) {
        add(event: { _ in event })
    }

    /// How many steps the script has; a step's index is its place in `Results`.
    var count: Int { steps.count }

    var writesEvents: Bool { steps.contains(where: \.isEvent) }

    /// Runs the script on an SQLKit connection that is already inside a transaction. Before its first event,
    /// a PostgreSQL transaction takes the event log's lock, held to its commit: `seq` values are then taken
    /// in commit order, so a reader that has seen `seq` n has seen everything before it.
    func run(on sql: any SQLDatabase) async throws -> Executed {
        var results: Results = []
        var events: [EventType] = []
        var locked = false
        for step in steps {
            guard let (query, event) = try step.statement(after: results) else {
                results.append([])
                continue
            }
            if let event { events.append(event) }
            if step.isEvent && !locked && sql.dialect.name == "postgresql" {
                try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.eventLogLock))").run()
                locked = true
            }
            let rows = try await sql.raw(query).all()
            if rows.isEmpty, let error = step.whenEmpty { throw error }
            results.append(rows)
        }
        return Executed(results: results, events: events)
    }

    /// The PostgreSQL advisory lock that orders appends to the event log.
    static let eventLogLock: Int64 = 0x4348_4154_4556  // "CHATEV"

    /// Runs the script synchronously on a raw SQLite connection (the writer's thread).
    func run(on connection: RawSQLiteConnection, serializingWith dialectSource: any SQLDatabase) throws -> Executed {
        var results: Results = []
        var events: [EventType] = []
        for step in steps {
            guard let (query, event) = try step.statement(after: results) else {
                results.append([])
                continue
            }
            if let event { events.append(event) }
            var serializer = SQLSerializer(database: dialectSource)
            query.serialize(to: &serializer)
            let encoder = SQLiteDataEncoder()
            let binds = try serializer.binds.map { try encoder.encode($0) }
            let rows = try connection.query(serializer.sql, binds)
            if rows.isEmpty, let error = step.whenEmpty { throw error }
            results.append(rows)
        }
        return Executed(results: results, events: events)
    }
}
