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
        activity.withLock { $0[apiKeyID] = (false, .now) }
    }

    /// Whether keys of open streams are still active: asked of the database at most once a second per key, however
    /// many streams the key holds open; a revoked key stays revoked. An unreadable answer keeps the stream (the next
    /// check asks again).
    private let activity = Mutex<[String: (active: Bool, checked: ContinuousClock.Instant)]>([:])

    func isActive(keyID: String, access: AccessStore) async -> Bool {
        let now = ContinuousClock.now
        if let known = activity.withLock({ $0[keyID] }), !known.active || now - known.checked < .seconds(1) { return known.active }
        guard let active = try? await access.isActive(keyID: keyID) else { return true }
        activity.withLock { activity in
            if activity.count >= capacity { activity.removeAll() }
            activity[keyID] = (active, now)
        }
        return active
    }
}
