import ChatterAPI
import ChatterCore
import ChatterStore
import Foundation
import OpenAPIRuntime

extension APIHandler {
    func streamEvents(_ input: Operations.StreamEvents.Input) async throws -> Operations.StreamEvents.Output {
        let identity = try RequestScope.caller()
        var types: Set<String>?
        if let text = input.query.types {
            let names = Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            let known = Set(EventType.allCases.map(\.rawValue))
            if let unknown = names.subtracting(known).sorted().first {
                throw ChatterError.invalid("unknown event type \"\(unknown)\"; known types: \(known.sorted().joined(separator: ", "))")
            }
            types = names.isEmpty ? nil : names
        }
        var replayAfter = input.query.afterSeq
        var replayName = "after_seq"
        if let header = input.headers.lastEventID?.trimmingCharacters(in: .whitespaces), !header.isEmpty {
            guard let seq = Int64(header), seq >= 0 else { throw ChatterError.invalid("Last-Event-ID must be an event seq (a whole number)") }
            replayAfter = seq
            replayName = "Last-Event-ID"
        }
        if let after = replayAfter, after < 0 { throw ChatterError.invalid("after_seq must not be negative") }
        let filter = EventStore.Filter(
            tenantID: identity.tenantID, userID: identity.isAdmin ? nil : identity.userID, types: types,
            conversationID: input.query.conversationId, executionID: input.query.executionId
        )
        try await runtime.checkEventFilter(filter, identity: identity)
        let subscription = try await runtime.hub.subscribe(filter, queueLimit: runtime.configuration.eventQueueLimit)
        let snapshot: JSONObjectWriter?
        do {
            try await runtime.checkReplay(after: replayAfter, liveAfter: subscription.liveAfter, named: replayName)
            snapshot = try await runtime.intelSnapshot(for: filter, identity: identity)
        } catch {
            runtime.hub.forget(subscription)
            throw error
        }
        let body = EventStreamBody(
            hub: runtime.hub, subscription: subscription, filter: filter, replayAfter: replayAfter, snapshot: snapshot,
            stillAuthorized: runtime.keyCheck(for: identity)
        )
        return .ok(.init(body: .textEventStream(HTTPBody(body, length: .unknown, iterationBehavior: .single))))
    }
}

extension ChatterRuntime {
    /// Whether the key that opened a stream is still valid, through the node's per-key cache.
    func keyCheck(for identity: Identity) -> @Sendable () async -> Bool {
        let (identities, access, keyID) = (self.identities, self.access, identity.apiKeyID)
        return { await identities.isActive(keyID: keyID, access: access) }
    }

    /// A stream filtered on a conversation or execution the caller cannot see would never deliver an event: 404.
    func checkEventFilter(_ filter: EventStore.Filter, identity: Identity) async throws {
        if let id = filter.conversationID { _ = try await conversations.get(id: id, for: identity) }
        if let id = filter.executionID,
            !(try await monitoring.executionExists(id: id, tenantID: identity.tenantID, userID: identity.isAdmin ? nil : identity.userID))
        {
            throw ChatterError.notFound("execution \(id)")
        }
    }

    /// A replay after a seq the log has never given out would never deliver an event either: the client holds a
    /// seq of another database, or made one up. `liveAfter` is the hub's latest; the log is asked only beyond it
    /// (another node's commit may not have reached this hub yet), and counts pruned events as given.
    func checkReplay(after seq: Int64?, liveAfter: Int64, named name: String = "after_seq") async throws {
        guard let seq, seq > liveAfter else { return }
        let given = try await events.highestSeqGiven()
        guard seq <= given else { throw ChatterError.invalid("\(name) \(seq) is beyond the event log's latest event (\(given))") }
    }

    /// A subscriber to one conversation's `intel.updated` first gets the conversation's current insights (taken
    /// after subscribing, so no update falls between; `version` orders the two).
    func intelSnapshot(for filter: EventStore.Filter, identity: Identity) async throws -> JSONObjectWriter? {
        guard let conversationID = filter.conversationID, filter.types?.contains(EventType.intelUpdated.rawValue) ?? true else { return nil }
        return try await intel.insights(conversationID: conversationID, for: identity)
    }
}
