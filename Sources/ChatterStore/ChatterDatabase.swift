import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SQLKit

/// The one database of a Chatter node: embedded SQLite by default, PostgreSQL for scale.
public final class ChatterDatabase: Sendable {
    public enum Kind: String, Sendable {
        case sqlite, postgres
    }

    public let kind: Kind
    /// Fires after every commit of this node that appended to the event log.
    public let eventSignal = EventSignal()
    private let databases: Databases
    private let eventLoopGroup: MultiThreadedEventLoopGroup
    private let threadPool: NIOThreadPool
    private let logger: Logger
    /// SQLite only: the thread that runs ledger scripts with group commit.
    private let writer: SQLiteWriter?
    /// SQLite only: statements outside transactions, run on the caller's thread.
    private let inline: InlineSQLiteDatabase?
    /// PostgreSQL only: `NOTIFY` on commit, `LISTEN` for the other nodes' commits.
    private let notifications: EventNotifications?

    /// Whether this node hears the other nodes' commits at once (PostgreSQL with its listening connection up).
    public var hearsOtherNodes: Bool { notifications?.isListening ?? false }

    /// Opens `sqlite:///path`, `sqlite://relative/path`, `sqlite::memory:` or `postgres://user:pass@host:port/db`.
    /// `sqliteSynchronous` is SQLite's `synchronous` pragma: `FULL` fsyncs every commit before it returns,
    /// `NORMAL` (with WAL) survives a crash of the process but may lose the last commits on power loss.
    public static func open(
        url: String, logger: Logger, maxPostgresConnections: Int = 16, sqliteSynchronous: String = "FULL"
    ) async throws -> ChatterDatabase {
        // SQL is logged at trace level with its bound values (message bodies among them): never log it.
        var logger = logger
        if logger.logLevel < .debug { logger.logLevel = .debug }
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            let loops = max(1, System.coreCount)
            let group = MultiThreadedEventLoopGroup(numberOfThreads: loops)
            let databases = Databases(threadPool: threadPool, on: group)
            let configuration: DatabaseConfigurationFactory
            do {
                configuration = try .postgres(
                    url: url,
                    maxConnectionsPerEventLoop: max(1, maxPostgresConnections / loops),
                    connectionPoolTimeout: .seconds(30),
                    sqlLogLevel: .trace
                )
            } catch {
                throw DatabaseURLError(message: "CHATTER_DATABASE_URL is not a valid postgres:// URL (postgres://user:password@host:port/database)")
            }
            databases.use(configuration, as: .psql)
            let notifications = EventNotifications()
            let database = ChatterDatabase(
                kind: .postgres, databases: databases, group: group, threadPool: threadPool, logger: logger, writer: nil, inline: nil,
                notifications: notifications
            )
            do {
                try await database.checkConnection()
            } catch {
                await database.shutdown()
                throw DatabaseURLError(message: "could not connect to the PostgreSQL server of CHATTER_DATABASE_URL: \(describe(error))")
            }
            do {
                let core = try SQLPostgresConfiguration(url: url).coreConfiguration
                notifications.start(configuration: core, eventLoop: group.any(), signal: database.eventSignal, logger: logger)
            } catch {
                // The pool parsed the same URL, so this is not expected; the readers' poll still finds every commit.
                logger.warning("event notifications: not listening; other nodes' commits are found by the poll", metadata: ["error": "\(error)"])
            }
            return database
        }
        guard var path = sqlitePath(from: url) else {
            if url.hasPrefix("sqlite:") {
                throw DatabaseURLError(message: "CHATTER_DATABASE_URL names no SQLite file (sqlite:///absolute/path or sqlite://relative/path)")
            }
            throw DatabaseURLError(message: "CHATTER_DATABASE_URL must start with sqlite:// or postgres:// (got a value of another scheme)")
        }
        guard ["FULL", "NORMAL"].contains(sqliteSynchronous) else {
            throw DatabaseURLError(message: "the SQLite synchronous mode must be FULL or NORMAL")
        }
        if path == ":memory:" {
            // Two connections share the database, so "in memory" is a throwaway file in the temporary directory.
            path = FileManager.default.temporaryDirectory.appendingPathComponent("chatter-\(UUID().uuidString).sqlite").path
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Two connections: FluentKit's (one event loop, one connection) for reads and occasional writes, and
        // the writer's, which runs the ledger's scripts with group commit. WAL lets each read while the other writes.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let databases = Databases(threadPool: threadPool, on: group)
        databases.use(
            .sqlite(SQLiteConfiguration(storage: .file(path: path), enableForeignKeys: true), connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace),
            as: .sqlite
        )
        let fluent = databases.database(logger: logger, on: group.any())! as! any SQLDatabase
        var writer: SQLiteWriter?
        var opened: InlineSQLiteDatabase?
        do {
            // WAL lets readers proceed during a write; synchronous=FULL makes every commit durable before we answer.
            try await fluent.raw("PRAGMA journal_mode=WAL").run()
            try await fluent.raw("PRAGMA synchronous=\(unsafeRaw: sqliteSynchronous)").run()
            try await fluent.raw("PRAGMA busy_timeout=10000").run()
            let inline = try InlineSQLiteDatabase(
                path: path, synchronous: sqliteSynchronous, connections: 2, dialect: fluent.dialect, eventLoop: group.any(), logger: logger
            )
            opened = inline
            // The writer serializes its statements with the inline database's dialect, read once: Fluent's database
            // builds its dialect anew on every access, which is every bind of every statement.
            writer = try SQLiteWriter(path: path, synchronous: sqliteSynchronous, dialectSource: inline, logger: logger)
        } catch {
            // Not a database (a directory, a text file) or not writable: everything opened so far is closed again,
            // as the pools require before they go away.
            writer?.close()
            opened?.close()
            await shutDown(databases, threadPool: threadPool, group: group)
            throw DatabaseURLError(message: "could not open the SQLite database at \(path): \(error)")
        }
        return ChatterDatabase(
            kind: .sqlite, databases: databases, group: group, threadPool: threadPool, logger: logger, writer: writer, inline: opened,
            notifications: nil
        )
    }

    /// PostgresNIO's errors describe themselves generically (to keep queries out of logs); the server's message or
    /// the connection's error says what went wrong, and holds no password.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }

    static func sqlitePath(from url: String) -> String? {
        if url == "sqlite::memory:" { return ":memory:" }
        guard url.hasPrefix("sqlite://") else { return nil }
        let path = String(url.dropFirst("sqlite://".count))
        return path.isEmpty ? nil : path
    }

    private init(
        kind: Kind, databases: Databases, group: MultiThreadedEventLoopGroup, threadPool: NIOThreadPool, logger: Logger, writer: SQLiteWriter?,
        inline: InlineSQLiteDatabase?, notifications: EventNotifications?
    ) {
        self.kind = kind
        self.writer = writer
        self.inline = inline
        self.notifications = notifications
        self.databases = databases
        self.eventLoopGroup = group
        self.threadPool = threadPool
        self.logger = logger
    }

    public var fluent: any Database {
        databases.database(logger: logger, on: eventLoopGroup.any())!
    }

    /// Statements outside a transaction. On SQLite they run on the caller's thread (see `InlineSQLiteDatabase`).
    public var sql: any SQLDatabase {
        inline ?? fluent as! any SQLDatabase
    }

    /// Runs `body` in one transaction: every write inside commits together or not at all. On SQLite a
    /// writing transaction takes the write lock at its start (`BEGIN IMMEDIATE`), so a read inside it can never
    /// be overtaken by the ledger writer's commits; `readOnly` transactions only pin a snapshot.
    public func transaction<T: Sendable>(
        readOnly: Bool = false, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        guard kind == .sqlite else {
            return try await fluent.transaction { database in
                try await body(database as! any SQLDatabase)
            }
        }
        return try await fluent.withConnection { connection in
            let sql = connection as! any SQLDatabase
            try await sql.raw(readOnly ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE").run()
            do {
                let result = try await body(sql)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Runs a write script as one transaction: on SQLite through the group-committing writer, on PostgreSQL
    /// as an SQLKit transaction.
    public func run(_ script: SQLScript) async throws -> SQLScript.Results {
        let executed: SQLScript.Executed
        if let writer {
            executed = try await writer.run(script)
        } else {
            let tag = notifications?.tag
            executed = try await transaction { sql in try await script.run(on: sql, notifying: tag) }
        }
        if !executed.events.isEmpty { eventSignal.committed(executed.events) }
        return executed.results
    }

    public func migrate() async throws {
        let migrations = Migrations()
        migrations.add(Self.migrations)
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: eventLoopGroup.any())
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
    }

    /// Whether the database answers; `/readyz` asks this.
    public func checkConnection() async throws {
        _ = try await sql.raw("SELECT 1 AS one").first()
    }

    public func shutdown() async {
        await notifications?.stop()
        writer?.close()
        inline?.close()
        await Self.shutDown(databases, threadPool: threadPool, group: eventLoopGroup)
    }

    /// The pools, then the threads under them; the pools must be shut down before they go away.
    private static func shutDown(_ databases: Databases, threadPool: NIOThreadPool, group: MultiThreadedEventLoopGroup) async {
        await databases.shutdownAsync()
        try? await threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }
}

public struct DatabaseURLError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
