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
        if let header = input.headers.lastEventID?.trimmingCharacters(in: .whitespaces), !header.isEmpty {
            guard let seq = Int64(header), seq >= 0 else { throw ChatterError.invalid("Last-Event-ID must be an event seq (a whole number)") }
            replayAfter = seq
        }
        if let after = replayAfter, after < 0 { throw ChatterError.invalid("after_seq must not be negative") }
        let filter = EventStore.Filter(
            tenantID: identity.tenantID, userID: identity.isAdmin ? nil : identity.userID, types: types,
            conversationID: input.query.conversationId, executionID: input.query.executionId
        )
        let subscription = try await runtime.hub.subscribe(filter, queueLimit: runtime.configuration.eventQueueLimit)
        let snapshot: JSONObjectWriter?
        do {
            snapshot = try await runtime.intelSnapshot(for: filter, identity: identity)
        } catch {
            runtime.hub.forget(subscription)
            throw error
        }
        let access = runtime.access
        let keyID = identity.apiKeyID
        let body = EventStreamBody(
            hub: runtime.hub, subscription: subscription, filter: filter, replayAfter: replayAfter, snapshot: snapshot,
            stillAuthorized: { (try? await access.isActive(keyID: keyID)) ?? true }
        )
        return .ok(.init(body: .textEventStream(HTTPBody(body, length: .unknown, iterationBehavior: .single))))
    }
}

extension ChatterRuntime {
    /// A subscriber to one conversation's `intel.updated` first gets the conversation's current insights (taken
    /// after subscribing, so no update falls between; `version` orders the two).
    func intelSnapshot(for filter: EventStore.Filter, identity: Identity) async throws -> JSONObjectWriter? {
        guard let conversationID = filter.conversationID, filter.types?.contains(EventType.intelUpdated.rawValue) ?? true else { return nil }
        return try await intel.insights(conversationID: conversationID, for: identity)
    }
}
