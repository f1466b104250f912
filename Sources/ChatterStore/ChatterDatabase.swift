import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit

/// The one database of a Chatter node: embedded SQLite by default, PostgreSQL for scale.
public final class ChatterDatabase: Sendable {
    public enum Kind: String, Sendable {
        case sqlite, postgres
    }

    public let kind: Kind
    private let databases: Databases
    private let eventLoopGroup: MultiThreadedEventLoopGroup
    private let threadPool: NIOThreadPool
    private let logger: Logger

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
            let database = ChatterDatabase(kind: .postgres, databases: databases, group: group, threadPool: threadPool, logger: logger)
            try await database.checkConnection()
            return database
        }
        guard let path = sqlitePath(from: url) else {
            throw DatabaseURLError(message: "CHATTER_DATABASE_URL must start with sqlite:// or postgres:// (got a value of another scheme)")
        }
        // One event loop with one connection: SQLite has a single writer anyway, and one connection
        // serialises transactions without SQLITE_BUSY retries.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let databases = Databases(threadPool: threadPool, on: group)
        if path != ":memory:" {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let storage: SQLiteConfiguration.Storage = path == ":memory:" ? .memory(identifier: UUID().uuidString) : .file(path: path)
        databases.use(
            .sqlite(SQLiteConfiguration(storage: storage, enableForeignKeys: true), connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace),
            as: .sqlite
        )
        let database = ChatterDatabase(kind: .sqlite, databases: databases, group: group, threadPool: threadPool, logger: logger)
        // WAL lets readers proceed during a write; synchronous=FULL makes every commit durable before we answer.
        guard ["FULL", "NORMAL"].contains(sqliteSynchronous) else {
            throw DatabaseURLError(message: "the SQLite synchronous mode must be FULL or NORMAL")
        }
        try await database.sql.raw("PRAGMA journal_mode=WAL").run()
        try await database.sql.raw("PRAGMA synchronous=\(unsafeRaw: sqliteSynchronous)").run()
        try await database.sql.raw("PRAGMA busy_timeout=10000").run()
        return database
    }

    static func sqlitePath(from url: String) -> String? {
        if url == "sqlite::memory:" { return ":memory:" }
        guard url.hasPrefix("sqlite://") else { return nil }
        let path = String(url.dropFirst("sqlite://".count))
        return path.isEmpty ? nil : path
    }

    private init(kind: Kind, databases: Databases, group: MultiThreadedEventLoopGroup, threadPool: NIOThreadPool, logger: Logger) {
        self.kind = kind
        self.databases = databases
        self.eventLoopGroup = group
        self.threadPool = threadPool
        self.logger = logger
    }

    public var fluent: any Database {
        databases.database(logger: logger, on: eventLoopGroup.any())!
    }

    public var sql: any SQLDatabase {
        fluent as! any SQLDatabase
    }

    /// Runs `body` in one transaction: every write inside commits together or not at all.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await fluent.transaction { database in
            try await body(database as! any SQLDatabase)
        }
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
        await databases.shutdownAsync()
        try? await threadPool.shutdownGracefully()
        try? await eventLoopGroup.shutdownGracefully()
    }
}

public struct DatabaseURLError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
