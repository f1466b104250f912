import ChatterCore
import Crypto
import Foundation
import SQLKit

/// Tenants, users and API keys. Keys are shown once, stored as SHA-256 hashes, and found by an indexed
/// prefix; the comparison of hashes is constant-time.
public struct AccessStore: Sendable {
    let database: ChatterDatabase

    public init(database: ChatterDatabase) {
        self.database = database
    }

    /// The characters of a key used to find it. Generated keys are `chk_` + 8 random characters here.
    public static let prefixLength = 12
    public static let minimumKeyLength = 20

    public static func hash(_ secret: String) -> String {
        Hex.lowercase(SHA256.hash(data: Data(secret.utf8)))
    }

    public static func generateSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return "chk_" + String((0..<40).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// On first start with an empty database: a default tenant and its admin, whose key is `adminKey`
    /// or a generated one. Returns the issued key when it created one, nil when tenants already exist.
    public func bootstrapIfEmpty(adminKey: String?) async throws -> IssuedAPIKey? {
        return try await database.transaction { sql in
            let existing = try await sql.raw("SELECT COUNT(*) AS n FROM tenants").first()?.decode(column: "n", as: Int64.self) ?? 0
            guard existing == 0 else { return nil }
            let tenantID = try await Self.insertTenant(named: "default", on: sql)
            let userID = try await Self.insertUser(tenantID: tenantID, name: "admin", role: .admin, on: sql)
            return try await Self.insertKey(tenantID: tenantID, userID: userID, name: "bootstrap admin key", role: .admin, secret: adminKey, on: sql)
        }
    }

    /// A name a person gives a tenant or a key: trimmed, 1 to 200 characters, and without control characters, since
    /// names are printed by `chatter admin` and logged (a newline or a terminal escape would forge lines).
    public static func validName(_ name: String, of what: String) throws -> String {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else { throw ChatterError.invalid("\(what) name must be 1 to 200 characters") }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ChatterError.invalid("\(what) name must not contain control characters")
        }
        return name
    }

    /// A new tenant with its first admin user and key.
    public func createTenant(named name: String) async throws -> IssuedAPIKey {
        let name = try Self.validName(name, of: "a tenant's")
        return try await database.transaction { sql in
            let tenantID = try await Self.insertTenant(named: name, on: sql)
            let userID = try await Self.insertUser(tenantID: tenantID, name: "admin", role: .admin, on: sql)
            return try await Self.insertKey(tenantID: tenantID, userID: userID, name: "\(name) admin key", role: .admin, secret: nil, on: sql)
        }
    }

    /// A key for a user of the tenant: an existing user by id, or a new user with the given name and role (member
    /// unless given). A key for an existing user carries that user's role, so another role is refused, not ignored.
    public func createKey(
        tenantID: String, userID existingUserID: String?, userName: String?, role: Identity.Role?, name: String
    ) async throws -> IssuedAPIKey {
        let name = try Self.validName(name, of: "a key's")
        return try await database.transaction { sql in
            guard let existingUserID else {
                let role = role ?? .member
                let userID = try await Self.insertUser(tenantID: tenantID, name: userName ?? name, role: role, on: sql)
                return try await Self.insertKey(tenantID: tenantID, userID: userID, name: name, role: role, secret: nil, on: sql)
            }
            let user = try await sql.raw("SELECT role FROM users WHERE id = \(bind: existingUserID) AND tenant_id = \(bind: tenantID)").first()
            guard let user else { throw ChatterError.notFound("user \(existingUserID)") }
            let existingRole = Identity.Role(rawValue: try user.decode(column: "role", as: String.self)) ?? .member
            if let role, role != existingRole {
                let article = existingRole == .admin ? "an admin" : "a member"
                throw ChatterError.invalid("user \(existingUserID) is \(article), and a key of an existing user carries the user's role: omit role")
            }
            return try await Self.insertKey(tenantID: tenantID, userID: existingUserID, name: name, role: existingRole, secret: nil, on: sql)
        }
    }

    public func tenantIDs() async throws -> [String] {
        try await tenants().map(\.id)
    }

    public func tenants() async throws -> [(id: String, name: String)] {
        try await database.sql.raw("SELECT id, name FROM tenants ORDER BY id").all().map { row in
            (try row.decode(column: "id", as: String.self), try row.decode(column: "name", as: String.self))
        }
    }

    public func listKeys(tenantID: String) async throws -> [APIKey] {
        try await database.sql.raw(
            """
            SELECT \(unsafeRaw: Self.keyColumns) FROM api_keys k JOIN users u ON u.id = k.user_id
            WHERE k.tenant_id = \(bind: tenantID) ORDER BY k.id
            """
        ).all().map(Self.apiKey(from:))
    }

    /// Revokes a key of the tenant (again: a no-op); a key of another tenant is not found. The tenant's last active
    /// admin key is refused (409): without it nobody could manage the tenant's keys through the API.
    public func revokeKey(id: String, tenantID: String) async throws -> APIKey {
        let now = Clock.nowMilliseconds()
        let serialise = database.kind == .postgres
        return try await database.transaction { sql in
            // Two admin keys revoked at once must not both see the other as the one that remains: PostgreSQL's READ
            // COMMITTED would let them, so revocations of a tenant queue on its row (SQLite's writes are serial).
            if serialise { try await sql.raw("SELECT id FROM tenants WHERE id = \(bind: tenantID) FOR UPDATE").run() }
            let row = try await sql.raw(
                """
                SELECT \(unsafeRaw: Self.keyColumns) FROM api_keys k JOIN users u ON u.id = k.user_id
                WHERE k.id = \(bind: id) AND k.tenant_id = \(bind: tenantID)
                """
            ).first()
            guard var key = try row.map(Self.apiKey(from:)) else { throw ChatterError.notFound("API key \(id)") }
            if key.role == .admin && key.revokedAtMilliseconds == nil {
                let others = try await sql.raw(
                    """
                    SELECT COUNT(*) AS n FROM api_keys k JOIN users u ON u.id = k.user_id
                    WHERE k.tenant_id = \(bind: tenantID) AND k.id <> \(bind: id) AND u.role = 'admin' AND k.revoked_at_ms IS NULL
                    """
                ).first()?.decode(column: "n", as: Int64.self) ?? 0
                guard others > 0 else {
                    throw ChatterError(.conflict, "this is the tenant's last active admin key: create another admin key before revoking it")
                }
            }
            guard key.revokedAtMilliseconds == nil else { return key }
            key.revokedAtMilliseconds = try await sql.raw(
                """
                UPDATE api_keys SET revoked_at_ms = COALESCE(revoked_at_ms, \(bind: now)) WHERE id = \(bind: id) AND tenant_id = \(bind: tenantID)
                RETURNING revoked_at_ms
                """
            ).first()?.decode(column: "revoked_at_ms", as: Int64?.self) ?? now
            return key
        }
    }

    /// Whether a key still exists and is not revoked (long-lived streams re-check the key that opened them).
    public func isActive(keyID: String) async throws -> Bool {
        let row = try await database.sql.raw("SELECT revoked_at_ms FROM api_keys WHERE id = \(bind: keyID)").first()
        guard let row else { return false }
        return try row.decode(column: "revoked_at_ms", as: Int64?.self) == nil
    }

    /// The identity behind a presented key, or nil for an unknown, wrong or revoked key.
    public func authenticate(secret: String) async throws -> Identity? {
        guard secret.count >= Self.minimumKeyLength else { return nil }
        let prefix = String(secret.prefix(Self.prefixLength))
        let row = try await database.sql.raw(
            """
            SELECT k.id, k.tenant_id, k.user_id, k.key_hash, k.revoked_at_ms, u.role
            FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = \(bind: prefix)
            """
        ).first()
        guard let row else { return nil }
        let storedHash = try row.decode(column: "key_hash", as: String.self)
        guard Self.constantTimeEqual(storedHash, Self.hash(secret)),
            try row.decode(column: "revoked_at_ms", as: Int64?.self) == nil
        else { return nil }
        return Identity(
            tenantID: try row.decode(column: "tenant_id", as: String.self),
            userID: try row.decode(column: "user_id", as: String.self),
            apiKeyID: try row.decode(column: "id", as: String.self),
            role: Identity.Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .member
        )
    }

    static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8)
        let b = Array(right.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func insertTenant(named name: String, on sql: any SQLDatabase) async throws -> String {
        let id = Identifier.make()
        try await sql.raw("INSERT INTO tenants (id, name, created_at_ms) VALUES (\(bind: id), \(bind: name), \(bind: Clock.nowMilliseconds()))").run()
        return id
    }

    static func insertUser(tenantID: String, name: String, role: Identity.Role, on sql: any SQLDatabase) async throws -> String {
        let id = Identifier.make()
        try await sql.raw(
            """
            INSERT INTO users (id, tenant_id, name, role, created_at_ms)
            VALUES (\(bind: id), \(bind: tenantID), \(bind: name), \(bind: role.rawValue), \(bind: Clock.nowMilliseconds()))
            """
        ).run()
        return id
    }

    static func insertKey(tenantID: String, userID: String, name: String, role: Identity.Role, secret: String?, on sql: any SQLDatabase) async throws -> IssuedAPIKey {
        let secret = secret ?? generateSecret()
        let key = APIKey(
            id: Identifier.make(), tenantID: tenantID, userID: userID, name: name,
            prefix: String(secret.prefix(prefixLength)), role: role, createdAtMilliseconds: Clock.nowMilliseconds(), revokedAtMilliseconds: nil
        )
        let clash = try await sql.raw("SELECT id FROM api_keys WHERE prefix = \(bind: key.prefix)").first()
        guard clash == nil else { throw ChatterError(.conflict, "a key with the same first \(prefixLength) characters already exists") }
        try await sql.raw(
            """
            INSERT INTO api_keys (id, tenant_id, user_id, name, prefix, key_hash, created_at_ms)
            VALUES (\(bind: key.id), \(bind: tenantID), \(bind: userID), \(bind: name), \(bind: key.prefix), \(bind: hash(secret)), \(bind: key.createdAtMilliseconds))
            """
        ).run()
        return IssuedAPIKey(key: key, secret: secret)
    }

    /// What `apiKey(from:)` reads, from `api_keys k JOIN users u`.
    static let keyColumns = "k.id, k.tenant_id, k.user_id, k.name, k.prefix, u.role, k.created_at_ms, k.revoked_at_ms"

    static func apiKey(from row: any SQLRow) throws -> APIKey {
        APIKey(
            id: try row.decode(column: "id", as: String.self),
            tenantID: try row.decode(column: "tenant_id", as: String.self),
            userID: try row.decode(column: "user_id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            prefix: try row.decode(column: "prefix", as: String.self),
            role: Identity.Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .member,
            createdAtMilliseconds: try row.decode(column: "created_at_ms", as: Int64.self),
            revokedAtMilliseconds: try row.decode(column: "revoked_at_ms", as: Int64?.self)
        )
    }
}
