import ChatterCore
import SQLKit
import Synchronization

/// An event to append to the log in the transaction that makes the change it announces.
public struct EventDraft: Sendable {
    public var type: EventType
    public var tenantID: String
    public var userID: String?
    public var conversationID: String?
    public var executionID: String?
    public var correlationID: String?
    public var atMilliseconds: Int64
    public var data: JSONObjectWriter

    public init(
        _ type: EventType, tenantID: String, userID: String?, conversationID: String?, executionID: String?, correlationID: String?,
        atMilliseconds: Int64, data: JSONObjectWriter
    ) {
        self.type = type
        self.tenantID = tenantID
        self.userID = userID
        self.conversationID = conversationID
        self.executionID = executionID
        self.correlationID = correlationID
        self.atMilliseconds = atMilliseconds
        self.data = data
    }

    static let columns = "id, type, tenant_id, user_id, conversation_id, execution_id, correlation_id, at_ms, data"

    /// The row's values in `columns` order, a new id first.
    var row: [FixedSQL.Value] {
        [
            .text(Identifier.make()), .text(type.rawValue), .text(tenantID), .text(userID), .text(conversationID), .text(executionID),
            .text(correlationID), .integer(atMilliseconds), .text(data.json),
        ]
    }

    /// The row as SQLKit binds (PostgreSQL's statements), and `ordinal` after them when given.
    func values(ordinal: Int? = nil) -> SQLQueryString {
        var values = FixedSQL(Self.rowText, row).query
        if let ordinal { values.appendLiteral(", \(ordinal)") }
        values.appendLiteral(")")
        return values
    }

    private static let rowText = FixedSQL.Text("(?, ?, ?, ?, ?, ?, ?, ?, ?")

    /// One INSERT for `drafts`, whose `seq` values follow their order. The SQLite writer runs it as it is; PostgreSQL
    /// gets it built with SQLKit, one round trip.
    static func insert(_ drafts: [EventDraft]) -> FixedSQL {
        FixedSQL(drafts.count <= insertTexts.count ? insertTexts[drafts.count - 1] : insertText(rows: drafts.count), drafts.flatMap(\.row))
    }

    private static let insertTexts = (1...4).map(insertText)

    private static func insertText(rows: Int) -> FixedSQL.Text {
        let rowsText = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
        return FixedSQL.Text("INSERT INTO events (\(columns)) VALUES " + rowsText)
    }

    /// PostgreSQL: takes the event log's transaction lock (and queues the NOTIFY for the other nodes), then appends
    /// `drafts`, in one statement. Every row joins the materialized `WITH` part that takes the lock, so no row is
    /// produced, and no `seq` drawn, before the lock is held; the rows take their `seq` in `ordinal` order. With
    /// `relaxingCommit`, the same part turns `synchronous_commit` off for the rest of the transaction.
    static func insertQuery(_ drafts: [EventDraft], takingLock lock: Int64, notifying tag: String?, relaxingCommit: Bool) -> SQLQueryString {
        var extras: SQLQueryString = tag.map { ", pg_notify(\(bind: EventNotifications.channel), \(bind: $0))" } ?? ""
        if relaxingCommit { extras = extras + ", set_config('synchronous_commit', 'off', true)" }
        let rows = drafts.enumerated().map { ordinal, draft in draft.values(ordinal: ordinal) }
        return """
            WITH event_log_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(\(bind: lock))\(extras))
            INSERT INTO events (\(unsafeRaw: columns))
            SELECT v.id, v.type, v.tenant_id, v.user_id, v.conversation_id, v.execution_id, v.correlation_id, v.at_ms, v.data
            FROM event_log_lock, (VALUES
            """ + rows.joined(separator: ", ") + """
            ) AS v (\(unsafeRaw: columns), ordinal)
            ORDER BY v.ordinal
            """
    }
}

/// Whether a reader of the event log wants to be woken by commits now; its owner turns it on and off.
public final class WakeupInterest: Sendable {
    private let wanted: Atomic<Bool>

    public init(wanted: Bool) {
        self.wanted = Atomic(wanted)
    }

    public var isWanted: Bool { wanted.load(ordering: .sequentiallyConsistent) }

    public func set(_ value: Bool) {
        wanted.store(value, ordering: .sequentiallyConsistent)
    }
}

/// Wakes the node's event readers when a transaction that wrote events has committed.
public final class EventSignal: Sendable {
    private struct Waiter: Sendable {
        let continuation: AsyncStream<Void>.Continuation
        /// The event types whose commits wake this waiter; nil for every commit.
        let types: Set<EventType>?
        /// Whether the waiter wants commits' wake-ups at the moment; nil for always.
        let interest: WakeupInterest?

        func wants(_ committed: [EventType]) -> Bool {
            guard interest?.isWanted ?? true else { return false }
            return types.map { wanted in committed.contains(where: wanted.contains) } ?? true
        }
    }

    private let waiters = Mutex<[Int: Waiter]>([:])
    private let nextID = Mutex(0)
    /// Held in a class: a function value read back out of a generic `Mutex` gets re-wrapped in reabstraction
    /// thunks on every access, which grew without bound on this hot path.
    private final class Observer: Sendable {
        let body: @Sendable ([EventType]) -> Void
        init(_ body: @escaping @Sendable ([EventType]) -> Void) { self.body = body }
    }

    private let observer = Mutex<Observer?>(nil)

    public init() {}

    /// Learns the types of the events each commit of this node appended (metrics count them).
    public func observeCommits(_ body: @escaping @Sendable ([EventType]) -> Void) {
        observer.withLock { $0 = Observer(body) }
    }

    func committed(_ types: [EventType]) {
        observer.withLock { $0 }?.body(types)
        let waking = waiters.withLock { waiters in
            waiters.values.filter { $0.wants(types) }
        }
        for waiter in waking { waiter.continuation.yield(()) }
    }

    /// A stream that yields (coalesced) after each commit of this node that wrote events of one of `types` (of any
    /// type when nil), and on every `notify()`, until the caller stops iterating. With `interest`, commits wake it only
    /// while the interest is wanted (`notify()` still does): a reader with nobody to serve is not woken for nothing.
    public func wakeups(for types: Set<EventType>? = nil, interest: WakeupInterest? = nil) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = nextID.withLock { value in
            value += 1
            return value
        }
        waiters.withLock { $0[id] = Waiter(continuation: continuation, types: types, interest: interest) }
        continuation.onTermination = { [weak self] _ in self?.waiters.withLock { _ = $0.removeValue(forKey: id) } }
        return stream
    }

    /// Wakes every waiter: another node's commit (whose types are unknown here), a poll, a retry asked for.
    public func notify() {
        for waiter in waiters.withLock({ Array($0.values) }) { waiter.continuation.yield(()) }
    }
}

/// Reads the event log. Appends happen only inside ledger and store scripts (a transactional outbox).
public struct EventStore: Sendable {
    let database: ChatterDatabase

    public init(database: ChatterDatabase) {
        self.database = database
    }

    /// What a reader may see: its tenant; non-admins only the events of their own actions; optional filters.
    public struct Filter: Sendable {
        public var tenantID: String
        public var userID: String?
        public var types: Set<String>?
        public var conversationID: String?
        public var executionID: String?

        public init(tenantID: String, userID: String?, types: Set<String>?, conversationID: String?, executionID: String?) {
            self.tenantID = tenantID
            self.userID = userID
            self.types = types
            self.conversationID = conversationID
            self.executionID = executionID
        }

        public func matches(_ event: StoredEvent) -> Bool {
            event.tenantID == tenantID && (userID == nil || event.userID == userID)
                && (types?.contains(event.type) ?? true)
                && (conversationID == nil || event.conversationID == conversationID)
                && (executionID == nil || event.executionID == executionID)
        }
    }

    static let columns = "seq, id, type, tenant_id, user_id, conversation_id, execution_id, correlation_id, at_ms, data"

    /// Every tenant's events after `seq`, in commit order: what a node's hub fans out.
    public func after(seq: Int64, limit: Int) async throws -> [StoredEvent] {
        try await database.sql.raw(
            "SELECT \(unsafeRaw: Self.columns) FROM events WHERE seq > \(bind: seq) ORDER BY seq LIMIT \(bind: limit)"
        ).all().map(Self.event(from:))
    }

    /// A reader's events with `after < seq <= upTo`, in order (a replay for `Last-Event-ID`).
    public func replay(after: Int64, upTo: Int64, filter: Filter, limit: Int) async throws -> [StoredEvent] {
        var query: SQLQueryString = """
            SELECT \(unsafeRaw: Self.columns) FROM events
            WHERE tenant_id = \(bind: filter.tenantID) AND seq > \(bind: after) AND seq <= \(bind: upTo)
            """
        if let userID = filter.userID { query = query + " AND user_id = \(bind: userID)" }
        if let conversationID = filter.conversationID { query = query + " AND conversation_id = \(bind: conversationID)" }
        if let executionID = filter.executionID { query = query + " AND execution_id = \(bind: executionID)" }
        if let types = filter.types {
            query = query + " AND type IN (\(SQLList(types.sorted().map { SQLBind($0) })))"
        }
        query = query + " ORDER BY seq LIMIT \(bind: limit)"
        return try await database.sql.raw(query).all().map(Self.event(from:))
    }

    public func latestSeq() async throws -> Int64 {
        try await database.sql.raw("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) AS seq FROM events").first()?
            .decode(column: "seq", as: Int64.self) ?? 0
    }

    /// The highest seq the log has ever given out, pruned events included (their seqs are never given again).
    public func highestSeqGiven() async throws -> Int64 {
        let query: SQLQueryString =
            database.kind == .sqlite
            ? "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) AS seq FROM sqlite_sequence WHERE name = 'events'"
            : "SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS seq FROM events_seq_seq"
        let given = try await database.sql.raw(query).first()?.decode(column: "seq", as: Int64.self) ?? 0
        return max(given, try await latestSeq())
    }

    /// Retention: deletes events older than the cutoff; returns how many.
    /// Deletes in batches of 1,000 so that a large backlog never holds the database's write lock for long.
    @discardableResult
    public func prune(before cutoffMilliseconds: Int64) async throws -> Int {
        // Never past an event a consumer still has to read: the floor is the lowest offset among the consumers
        // that have moved within the retention. One idle for longer (every node running it gone) is not waited for.
        let floor = try await database.sql.raw(
            "SELECT MIN(seq) AS floor FROM consumer_offsets WHERE updated_at_ms >= \(bind: cutoffMilliseconds)"
        ).first()?.decode(column: "floor", as: Int64?.self)
        let unread: SQLQueryString = floor.map { "AND seq <= \(bind: $0)" } ?? ""
        var removed = 0
        while true {
            let batch = try await database.sql.raw(
                """
                DELETE FROM events WHERE seq IN (
                    SELECT seq FROM events WHERE at_ms < \(bind: cutoffMilliseconds) \(unread) ORDER BY seq LIMIT 1000
                ) RETURNING seq
                """
            ).all().count
            removed += batch
            if batch < 1000 { return removed }
            await Task.yield()
        }
    }

    static func event(from row: any SQLRow) throws -> StoredEvent {
        StoredEvent(
            seq: try row.decode(column: "seq", as: Int64.self),
            id: try row.decode(column: "id", as: String.self),
            type: try row.decode(column: "type", as: String.self),
            tenantID: try row.decode(column: "tenant_id", as: String.self),
            userID: try row.decode(column: "user_id", as: String?.self),
            conversationID: try row.decode(column: "conversation_id", as: String?.self),
            executionID: try row.decode(column: "execution_id", as: String?.self),
            correlationID: try row.decode(column: "correlation_id", as: String?.self),
            atMilliseconds: try row.decode(column: "at_ms", as: Int64.self),
            data: try row.decode(column: "data", as: String.self)
        )
    }
}
