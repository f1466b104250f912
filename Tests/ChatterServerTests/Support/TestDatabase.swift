import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SQLKit
import Testing

/// The databases every persistence test runs on: SQLite always, PostgreSQL when the test script started one
/// (`CHATTER_TEST_POSTGRES_URL`). With `CHATTER_TEST_REQUIRE_POSTGRES=1` a missing PostgreSQL fails the run.
enum TestDatabase: String, CustomStringConvertible, Sendable, CaseIterable {
    case sqlite, postgres

    static var all: [TestDatabase] {
        let environment = ProcessInfo.processInfo.environment
        if environment["CHATTER_TEST_POSTGRES_URL"] != nil || environment["CHATTER_TEST_REQUIRE_POSTGRES"] == "1" {
            return [.sqlite, .postgres]
        }
        return [.sqlite]
    }

    var description: String { rawValue }

    /// A new, empty database for one test.
    func makeURL() async throws -> String {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatter-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return "sqlite://\(directory.path)/chatter.sqlite"
        case .postgres:
            guard let adminURL = ProcessInfo.processInfo.environment["CHATTER_TEST_POSTGRES_URL"] else {
                throw TestFailure("CHATTER_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh")
            }
            let name = "chatter_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
            try await ChatterDatabase.using(url: adminURL, connections: 2) { admin in
                try await admin.sql.raw("CREATE DATABASE \(unsafeRaw: name)").run()
            }
            guard let slash = adminURL.lastIndex(of: "/") else { throw TestFailure("bad CHATTER_TEST_POSTGRES_URL") }
            return String(adminURL[..<slash]) + "/" + name
        }
    }
}

extension ChatterDatabase {
    /// Opens the database at `url` (logging errors only), runs `body`, and shuts it down, whether or not `body` threw.
    static func using<T>(url: String, connections: Int, _ body: (ChatterDatabase) async throws -> T) async throws -> T {
        var logger = Logger(label: "test-database")
        logger.logLevel = .error
        let database = try await ChatterDatabase.open(url: url, logger: logger, maxPostgresConnections: connections)
        do {
            let result = try await body(database)
            await database.shutdown()
            return result
        } catch {
            await database.shutdown()
            throw error
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
