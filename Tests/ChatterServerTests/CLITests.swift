import Foundation
import Testing

/// The `chatter` binary's commands refuse what the API refuses, and a database that cannot be opened is an error
/// message and exit status 1, not a crash.
@Suite struct CLITests {
    @Test func commandsRefuseBadInputAndUnopenableDatabases() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatter-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let textFile = directory.appendingPathComponent("notes.txt")
        try Data("not a database".utf8).write(to: textFile)

        for (url, says) in [
            ("sqlite://\(directory.path)", "could not open the SQLite database"),
            ("sqlite://\(textFile.path)", "file is not a database"),
            ("sqlite://", "names no SQLite file"),
            ("postgres://chatter:secret-password@127.0.0.1:1/chatter", "could not connect to the PostgreSQL server"),
        ] {
            let run = try await ChatterProcess.run(["migrate"], environment: ["CHATTER_DATABASE_URL": url])
            #expect(run.status == 1, "\(url): \(run.output)")
            #expect(run.output.contains(says), "\(url): \(run.output)")
            #expect(!run.output.contains("Assertion failed") && !run.output.contains("secret-password"), "\(url): \(run.output)")
        }

        let environment = ["CHATTER_DATABASE_URL": "sqlite://\(directory.path)/chatter.sqlite", "CHATTER_ADMIN_KEY": Harness.adminKey]
        #expect(try await ChatterProcess.run(["migrate"], environment: environment).status == 0)
        let created = try await ChatterProcess.run(["admin", "create-tenant", "--name", "acme"], environment: environment)
        #expect(created.status == 0, "\(created.output)")
        let tenants = try await ChatterProcess.run(["admin", "list-tenants"], environment: environment)
        #expect(tenants.output.contains("acme"), "\(tenants.output)")
        let tenant = try #require(tenants.output.split(separator: "\n").first { $0.hasSuffix("acme") }?.split(separator: " ").first)
        for (arguments, says) in [
            (["admin", "create-key", "--name", "", "--tenant", String(tenant)], "1 to 200 characters"),
            (["admin", "create-key", "--name", "a\u{1}b", "--tenant", String(tenant)], "control characters"),
            (["admin", "create-tenant", "--name", String(repeating: "x", count: 201)], "1 to 200 characters"),
            (["admin", "create-key", "--name", "ci", "--tenant", "nope"], "there is no tenant nope"),
            (["admin", "list-keys", "--tenant", "nope"], "there is no tenant nope"),
        ] {
            let run = try await ChatterProcess.run(arguments, environment: environment)
            #expect(run.status != 0, "\(arguments): \(run.output)")
            #expect(run.output.contains(says), "\(arguments): \(run.output)")
            #expect(!run.output.contains("constraint"), "\(arguments): \(run.output)")
        }
    }
}
