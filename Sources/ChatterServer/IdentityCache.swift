import ChatterCore
import ChatterStore
import Foundation
import Synchronization

/// Recently verified keys, so a busy key is not looked up in the database on every request. Entries live a
/// few seconds; revoking a key through this node drops its entries at once (another node notices within
/// the lifetime). Keyed by the secret's SHA-256, never by the secret.
final class IdentityCache: Sendable {
    private let entries = Mutex<[String: (identity: Identity, expires: ContinuousClock.Instant)]>([:])
    private let lifetime: Duration
    private let capacity = 10_000

    init(lifetime: Duration = .seconds(5)) {
        self.lifetime = lifetime
    }

    func identity(forSecret secret: String, access: AccessStore) async throws -> Identity? {
        let hash = AccessStore.hash(secret)
        let now = ContinuousClock.now
        if let cached = entries.withLock({ $0[hash] }), cached.expires > now { return cached.identity }
        guard let identity = try await access.authenticate(secret: secret) else { return nil }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[hash] = (identity, now + lifetime)
        }
        return identity
    }

    func forget(apiKeyID: String) {
        entries.withLock { entries in entries = entries.filter { $0.value.identity.apiKeyID != apiKeyID } }
    }
}
