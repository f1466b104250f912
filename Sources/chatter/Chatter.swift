import ArgumentParser
import ChatterCore
import ChatterServer
import ChatterStore
import Foundation
import Hummingbird
import Logging

@main
struct Chatter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chatter",
        abstract: "Self-hosted AI conversation backend with an exact usage ledger.",
        discussion: "Configuration comes from the environment (CHATTER_DATABASE_URL, CHATTER_PORT, OPENAI_API_KEY, …); see README.md.",
        subcommands: [Serve.self, Migrate.self, Admin.self, Reprice.self, Reconcile.self],
        defaultSubcommand: Serve.self
    )
}

/// Reads the environment, or exits with every configuration problem listed.
func loadConfiguration() throws -> Configuration {
    do {
        return try Configuration(environment: ProcessInfo.processInfo.environment)
    } catch let error as Configuration.Invalid {
        FileHandle.standardError.write(Data("chatter: \(error.description)\n".utf8))
        throw ExitCode(2)
    }
}

func makeLogger(_ configuration: Configuration) -> Logger {
    var logger = Logger(label: "chatter", metadataProvider: .chatterCorrelation)
    logger.logLevel = configuration.logLevel
    return logger
}

/// Opens the runtime, runs `body`, and closes it again.
func withRuntime<T>(_ body: (ChatterRuntime) async throws -> T) async throws -> T {
    let configuration = try loadConfiguration()
    let runtime: ChatterRuntime
    do {
        runtime = try await ChatterRuntime.open(configuration: configuration, logger: makeLogger(configuration))
    } catch let error as Configuration.Invalid {
        FileHandle.standardError.write(Data("chatter: \(error.description)\n".utf8))
        throw ExitCode(2)
    } catch {
        FileHandle.standardError.write(Data("chatter: cannot open the database: \(error)\n".utf8))
        throw ExitCode(1)
    }
    do {
        let result = try await body(runtime)
        await runtime.shutdown()
        return result
    } catch {
        await runtime.shutdown()
        throw error
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrate the database and serve the HTTP API.")

    func run() async throws {
        let configuration = try loadConfiguration()
        let logger = makeLogger(configuration)
        let runtime: ChatterRuntime
        do {
            runtime = try await ChatterRuntime.open(configuration: configuration, logger: logger)
        } catch let error as Configuration.Invalid {
            FileHandle.standardError.write(Data("chatter: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        if let issued = try await runtime.prepareToServe() {
            if configuration.adminKey == nil {
                print("Created the default tenant and its admin. Admin API key (shown once, store it now):\n\n  \(issued.secret)\n")
            } else {
                print("Created the default tenant and its admin with the key from CHATTER_ADMIN_KEY.")
            }
        }
        logger.info(
            "chatter serving",
            metadata: ["address": "\(configuration.host):\(configuration.port)", "database": "\(runtime.database.kind.rawValue)",
                       "default_model": "\(configuration.defaultModel)"]
        )
        let tracing = try ChatterTracing.bootstrap(configuration, logger: logger)
        let app = try buildApplication(runtime: runtime, services: tracing.map { [$0] } ?? [])
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.")

    func run() async throws {
        try await withRuntime { _ in print("database is migrated") }
    }
}

struct Reprice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Price earlier unpriced calls now that a price exists.")

    func run() async throws {
        let count = try await withRuntime { try await $0.ledger.repriceUnpriced(pricer: $0.prices.pricer) }
        print("repriced \(count) call(s)")
    }
}

struct Reconcile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute every aggregate from llm_calls and list discrepancies; exits 1 when there are any."
    )

    func run() async throws {
        let result = try await withRuntime { try await $0.reconciler.run(tenantID: nil) }
        print("checked \(result.checked) aggregate(s), \(result.discrepancies.count) discrepancy(ies)")
        for item in result.discrepancies {
            print("  \(item.kind) \(item.id) \(item.field): expected \(item.expected.map(String.init) ?? "none"), stored \(item.actual.map(String.init) ?? "none")")
        }
        if !result.discrepancies.isEmpty { throw ExitCode(1) }
    }
}

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tenants and API keys.",
        subcommands: [CreateKey.self, CreateTenant.self, RevokeKey.self, ListKeys.self, ListTenants.self]
    )

    struct CreateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create-key", abstract: "Create an API key (printed once).")

        @Option(help: "A name for the key.") var name: String
        @Option(help: "admin or member, for a new user (default: member); an existing user's key has the user's role.") var role: String?
        @Option(help: "Tenant id; default: the only tenant.") var tenant: String?
        @Option(name: .customLong("user-id"), help: "An existing user to give the key to; default: a new user.") var userID: String?

        func run() async throws {
            let role = try role.map { role in
                guard let role = Identity.Role(rawValue: role) else { throw ValidationError("--role must be admin or member") }
                return role
            }
            let issued = try await withRuntime { runtime -> IssuedAPIKey in
                let tenantID = try await resolveTenant(tenant, runtime: runtime)
                return try await runtime.access.createKey(tenantID: tenantID, userID: userID, userName: nil, role: role, name: name)
            }
            print("key \(issued.key.id) for user \(issued.key.userID) (\(issued.key.role.rawValue)); secret, shown once:\n\n  \(issued.secret)\n")
        }
    }

    struct CreateTenant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create-tenant", abstract: "Create a tenant and its admin key.")

        @Option(help: "The tenant's name.") var name: String

        func run() async throws {
            let issued = try await withRuntime { try await $0.access.createTenant(named: name) }
            print("tenant \(issued.key.tenantID); admin key, shown once:\n\n  \(issued.secret)\n")
        }
    }

    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke-key", abstract: "Revoke an API key.")

        @Option(help: "The key's id.") var id: String
        @Option(help: "Tenant id; default: the only tenant.") var tenant: String?

        func run() async throws {
            let key = try await withRuntime { runtime in
                try await runtime.access.revokeKey(id: id, tenantID: try await resolveTenant(tenant, runtime: runtime))
            }
            print("revoked \(key.id)")
        }
    }

    struct ListKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-keys", abstract: "List a tenant's keys (never their secrets).")

        @Option(help: "Tenant id; default: the only tenant.") var tenant: String?

        func run() async throws {
            let keys = try await withRuntime { runtime in
                try await runtime.access.listKeys(tenantID: try await resolveTenant(tenant, runtime: runtime))
            }
            for key in keys {
                print("\(key.id)  \(key.prefix)…  \(key.role.rawValue)  \(key.name)\(key.revokedAtMilliseconds == nil ? "" : "  (revoked)")")
            }
        }
    }
}

extension Admin {
    struct ListTenants: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list-tenants", abstract: "List the tenants: id and name.")

        func run() async throws {
            for tenant in try await withRuntime({ try await $0.access.tenants() }) {
                print("\(tenant.id)  \(tenant.name)")
            }
        }
    }
}

func resolveTenant(_ tenant: String?, runtime: ChatterRuntime) async throws -> String {
    let tenants = try await runtime.access.tenantIDs()
    if let tenant {
        guard tenants.contains(tenant) else { throw ValidationError("there is no tenant \(tenant) (chatter admin list-tenants would name them)") }
        return tenant
    }
    guard tenants.count == 1 else {
        throw ValidationError(tenants.isEmpty ? "there is no tenant yet: run chatter serve once" : "there are several tenants: pass --tenant")
    }
    return tenants[0]
}
