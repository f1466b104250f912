import Logging
import NIOConcurrencyHelpers
import NIOCore
import SQLiteKit
import SQLKit

/// SQLite statements outside transactions (reads, and occasional single-statement writes), run on the calling
/// thread over a few raw connections with their statements kept prepared: no thread hand-offs, which on a
/// chat turn cost more than the queries themselves. WAL lets these read while the writer commits; a write
/// here waits for the writer's lock (busy timeout) like any other SQLite writer.
final class InlineSQLiteDatabase: SQLDatabase, @unchecked Sendable {
    let logger: Logger
    let eventLoop: any EventLoop
    let dialect: any SQLDialect
    var queryLogLevel: Logger.Level? { nil }

    private let connections: [NIOLockedValueBox<RawSQLiteConnection>]
    private let next = NIOLockedValueBox(0)

    init(path: String, synchronous: String, connections count: Int, dialect: any SQLDialect, eventLoop: any EventLoop, logger: Logger) throws {
        self.logger = logger
        self.eventLoop = eventLoop
        self.dialect = dialect
        self.connections = try (0..<max(1, count)).map { _ in
            let connection = try RawSQLiteConnection(path: path)
            try connection.execute("PRAGMA synchronous = \(synchronous)")
            try connection.execute("PRAGMA cache_size = -8192")
            return NIOLockedValueBox(connection)
        }
    }

    func close() {
        for connection in connections { connection.withLockedValue { $0.close() } }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        do {
            for row in try rows(for: query) { onRow(row) }
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        for row in try rows(for: query) { onRow(row) }
    }

    private func rows(for query: any SQLExpression) throws -> [RawSQLiteRow] {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        let slot = next.withLockedValue { value in
            defer { value = (value + 1) % connections.count }
            return value
        }
        return try connections[slot].withLockedValue { try $0.query(serializer) }
    }
}
