import ChatterCore
import ChatterIntel
import ChatterStore

extension IntelConsumer {
    /// Retries the dead letters someone asked to retry. The message's whole conversation is replayed through the
    /// agent from an empty state, so the result is what an uninterrupted run would have given (an incremental
    /// summary cannot take an old message in afterwards). Success resolves the letters in the same transaction.
    func replayRetries() async throws {
        let pending = try await store.pendingRetries(agent: agent.kind.rawValue, limit: 50)
        for (conversationID, letters) in Dictionary(grouping: pending, by: \.conversationID) {
            let messages = try await store.conversationMessages(conversationID: conversationID, tenantID: letters[0].tenantID)
            guard let first = messages.first else { continue }
            let states = try await store.states(agent: agent.kind.rawValue, conversationIDs: [conversationID])
            let conversation = IntelConversation(tenantID: first.tenantID, userID: first.userID, conversationID: conversationID)
            let outcome: IntelOutcome
            do {
                outcome = try await withAttempts { try await agent.process(messages.map(intelMessage), of: conversation, state: nil) }
            } catch {
                for letter in letters { try await store.retryFailed(id: letter.id, error: String(String(describing: error).prefix(500))) }
                continue
            }
            try await store.commit(
                IntelStore.AgentCommit(
                    agent: agent.kind.rawValue, offset: nil, outputs: [output(outcome, of: messages, previousRev: states[conversationID]?.rev)],
                    resolvedDeadLetterIDs: letters.map(\.id)
                )
            )
        }
    }
}
