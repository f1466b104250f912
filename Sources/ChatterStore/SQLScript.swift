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

    /// A step's statement: built with SQLKit, or written once with its values (`FixedSQL`).
    enum Statement: Sendable {
        case query(SQLQueryString)
        case fixed(FixedSQL)

        var query: SQLQueryString {
            switch self {
            case .query(let query): query
            case .fixed(let fixed): fixed.query
            }
        }
    }

    struct Step: Sendable {
        let make: @Sendable (Results) throws -> Statement?
        /// Thrown, undoing the whole script, when the statement returns no row.
        let whenEmpty: ChatterError?
        /// Set for a step that appends to the event log.
        var makeEvent: (@Sendable (Results) throws -> EventDraft?)? = nil
        /// Set for statements run together (see `add(together:)`).
        var together: (@Sendable (Results) throws -> [Statement])? = nil

        var isEvent: Bool { makeEvent != nil }
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
        add(.query(query), whenEmpty: whenEmpty)
    }

    mutating func add(_ statement: Statement, whenEmpty: ChatterError? = nil) {
        steps.append(Step(make: { _ in statement }, whenEmpty: whenEmpty))
    }

    /// A statement built from the earlier statements' rows; returning nil skips it.
    mutating func add(whenEmpty: ChatterError? = nil, _ make: @escaping @Sendable (Results) throws -> SQLQueryString?) {
        steps.append(Step(make: { try make($0).map(Statement.query) }, whenEmpty: whenEmpty))
    }

    /// Statements that return no rows and need nothing from each other, as one step. PostgreSQL runs them as one
    /// statement (all but the last as data-modifying `WITH` parts), one round trip instead of one each; SQLite
    /// runs them one after the other.
    mutating func add(together statements: [Statement]) {
        precondition(!statements.isEmpty)
        add(together: { _ in statements })
    }

    /// Statements built from the earlier statements' rows, run together as above; an empty list skips the step.
    mutating func add(together make: @escaping @Sendable (Results) throws -> [Statement]) {
        steps.append(Step(make: { _ in nil }, whenEmpty: nil, together: make))
    }

    /// `queries` as one PostgreSQL statement: every data-modifying `WITH` part runs exactly once, to completion.
    static func combined(_ queries: [SQLQueryString]) -> SQLQueryString {
        let parts = queries.dropLast().enumerated().map { index, query -> SQLQueryString in
            "\(unsafeRaw: "part\(index)") AS (" + query + ")"
        }
        return parts.isEmpty ? queries[0] : "WITH " + parts.joined(separator: ", ") + " " + queries[queries.count - 1]
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

    /// Runs the script on an SQLKit connection that is already inside a transaction. Consecutive events go in as
    /// one INSERT. Before the first, a PostgreSQL transaction takes the event log's lock, held to its commit:
    /// `seq` values are then taken in commit order, so a reader that has seen `seq` n has seen everything before
    /// it. Every transaction that appends events queues on that lock, so what runs under it is kept to one round
    /// trip (the statement that takes the lock appends the rows) and the commit. With `notifying` (this node's
    /// tag), that statement also queues the `NOTIFY` that wakes the other nodes, which PostgreSQL sends when, and
    /// only if, the transaction commits. A script that is not `durable` turns `synchronous_commit` off for its
    /// transaction in that same statement, or, when it appends no event, in a statement of its own first.
    func run(on sql: any SQLDatabase, notifying tag: String? = nil) async throws -> Executed {
        var results: Results = []
        var events: [EventType] = []
        var pending: [EventDraft] = []
        let postgres = sql.dialect.name == "postgresql"
        var locked = false
        if postgres && !durable && !writesEvents {
            try await sql.raw("SET LOCAL synchronous_commit = off").run()
        }
        func appendPending() async throws {
            guard !pending.isEmpty else { return }
            if !locked && postgres {
                let query = EventDraft.insertQuery(pending, takingLock: Self.eventLogLock, notifying: tag, relaxingCommit: !durable)
                try await sql.raw(query).run()
                locked = true
            } else {
                try await sql.raw(EventDraft.insert(pending).query).run()
            }
            events.append(contentsOf: pending.map(\.type))
            pending.removeAll()
        }
        for step in steps {
            if let makeEvent = step.makeEvent {
                if let draft = try makeEvent(results) { pending.append(draft) }
                results.append([])
                continue
            }
            try await appendPending()
            if let together = step.together {
                let queries = try together(results).map(\.query)
                if !queries.isEmpty { try await sql.raw(Self.combined(queries)).run() }
                results.append([])
                continue
            }
            guard let statement = try step.make(results) else {
                results.append([])
                continue
            }
            let rows = try await sql.raw(statement.query).all()
            if rows.isEmpty, let error = step.whenEmpty { throw error }
            results.append(rows)
        }
        try await appendPending()
        return Executed(results: results, events: events)
    }

    /// The PostgreSQL advisory lock that orders appends to the event log.
    static let eventLogLock: Int64 = 0x4348_4154_4556  // "CHATEV"

    /// Runs the script synchronously on a raw SQLite connection (the writer's thread). Consecutive events go in as
    /// one INSERT, as on PostgreSQL.
    func run(on connection: RawSQLiteConnection, serializingWith dialectSource: any SQLDatabase) throws -> Executed {
        var results: Results = []
        var events: [EventType] = []
        var pending: [EventDraft] = []
        func appendPending() throws {
            guard !pending.isEmpty else { return }
            _ = try run(.fixed(EventDraft.insert(pending)), on: connection, serializingWith: dialectSource)
            events.append(contentsOf: pending.map(\.type))
            pending.removeAll()
        }
        for step in steps {
            if let makeEvent = step.makeEvent {
                if let draft = try makeEvent(results) { pending.append(draft) }
                results.append([])
                continue
            }
            try appendPending()
            if let together = step.together {
                for statement in try together(results) { _ = try run(statement, on: connection, serializingWith: dialectSource) }
                results.append([])
                continue
            }
            guard let statement = try step.make(results) else {
                results.append([])
                continue
            }
            let rows = try run(statement, on: connection, serializingWith: dialectSource)
            if rows.isEmpty, let error = step.whenEmpty { throw error }
            results.append(rows)
        }
        try appendPending()
        return Executed(results: results, events: events)
    }

    private func run(
        _ statement: Statement, on connection: RawSQLiteConnection, serializingWith dialectSource: any SQLDatabase
    ) throws -> [RawSQLiteRow] {
        switch statement {
        case .query(let query):
            var serializer = SQLSerializer(database: dialectSource)
            query.serialize(to: &serializer)
            return try connection.query(serializer)
        case .fixed(let fixed):
            return try connection.query(fixed.sql, fixed.sqliteValues)
        }
    }
}

/// A statement written once, with `?` for each value, and its values. The SQLite writer runs it as it is: for the
/// ledger's statements, which run at every call, SQLKit's building and serialising cost more than SQLite's running
/// them. PostgreSQL gets the same statement built with SQLKit (`query`).
struct FixedSQL: Sendable {
    enum Value: Sendable {
        case text(String?)
        case integer(Int64?)
    }

    /// The text, with `?` for each value and no `?` otherwise, cut once at its `?`s for building it with SQLKit.
    struct Text: Sendable {
        let sql: String
        fileprivate let pieces: [String]

        init(_ sql: String) {
            self.sql = sql
            pieces = sql.utf8.split(separator: UInt8(ascii: "?"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    let text: Text
    let values: [Value]

    init(_ text: Text, _ values: [Value]) {
        precondition(text.pieces.count == values.count + 1, "one value for each ? in \(text.sql)")
        self.text = text
        self.values = values
    }

    var sql: String { text.sql }

    var sqliteValues: [SQLiteData] {
        values.map { value in
            switch value {
            case .text(let text): text.map(SQLiteData.text) ?? .null
            case .integer(let integer): integer.map { .integer(Int($0)) } ?? .null
            }
        }
    }

    /// The statement as SQLKit builds it, each value bound with its type (a null stays a typed null).
    var query: SQLQueryString {
        var query = SQLQueryString(text.pieces[0])
        for (value, piece) in zip(values, text.pieces.dropFirst()) {
            switch value {
            case .text(let text): query.appendInterpolation(bind: text)
            case .integer(let integer): query.appendInterpolation(bind: integer)
            }
            query.appendLiteral(piece)
        }
        return query
    }
}
