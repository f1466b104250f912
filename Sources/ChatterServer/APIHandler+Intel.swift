import ChatterAPI
import ChatterCore
import ChatterIntel
import ChatterStore
import Foundation
import OpenAPIRuntime

extension APIHandler {
    static let maxAuthorCharacters = 200

    /// A message of an observed conversation: stored with `message.created` (which the agents consume), 202.
    func recordObserved(
        _ input: Operations.SendMessage.Input, body: Schemas.MessageCreate, role: Message.Role, identity: Identity
    ) async throws -> Operations.SendMessage.Output {
        var ignored: [String] = []
        if body.stream != nil { ignored.append("stream") }
        if body.model != nil { ignored.append("model") }
        if body.temperature != nil { ignored.append("temperature") }
        if body.maxTokens != nil { ignored.append("max_tokens") }
        guard ignored.isEmpty else {
            throw ChatterError.invalid("a \(role.rawValue) message gets no LLM reply, so it takes no \(ignored.joined(separator: ", "))")
        }
        guard !body.content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ChatterError.invalid("content must not be empty") }
        guard body.content.count <= ChatService.maxContentCharacters else {
            throw ChatterError.invalid("content must be at most \(ChatService.maxContentCharacters) characters")
        }
        if let author = body.author, author.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || author.count > Self.maxAuthorCharacters {
            throw ChatterError.invalid("author must be 1 to \(Self.maxAuthorCharacters) characters, or left out")
        }
        do {
            let message = try await runtime.conversations.recordObserved(
                conversationID: input.path.id, role: role, author: body.author, content: body.content, for: identity,
                correlationID: RequestScope.requestID
            )
            return .accepted(.init(body: .json(.init(message))))
        } catch let error as ChatterError where error.kind == .notFound {
            // Say why when the conversation exists but is an assistant chat.
            let conversation = try await runtime.conversations.get(id: input.path.id, for: identity)
            throw ChatterError.invalid(
                "conversation \(conversation.id) is an assistant chat: roles customer and agent are for conversations created with mode observe"
            )
        }
    }

    func getConversationInsights(_ input: Operations.GetConversationInsights.Input) async throws -> Operations.GetConversationInsights.Output {
        let insights = try await runtime.intel.insights(conversationID: input.path.id, for: try RequestScope.caller())
        return .ok(.init(body: .json(try JSONDecoder().decode(Schemas.ConversationInsights.self, from: Data(insights.json.utf8)))))
    }

    func listIntelDeadLetters(_ input: Operations.ListIntelDeadLetters.Input) async throws -> Operations.ListIntelDeadLetters.Output {
        let identity = try RequestScope.caller()
        guard identity.isAdmin else { throw ChatterError(.forbidden, "dead letters are for admins") }
        let limit = input.query.limit ?? 100
        guard (1...500).contains(limit) else { throw ChatterError.invalid("limit must be between 1 and 500") }
        let letters = try await runtime.intel.deadLetters(tenantID: identity.tenantID, status: input.query.status?.rawValue, limit: limit)
        return .ok(.init(body: .json(.init(data: letters.map(Schemas.DeadLetter.init)))))
    }

    func retryIntelDeadLetter(_ input: Operations.RetryIntelDeadLetter.Input) async throws -> Operations.RetryIntelDeadLetter.Output {
        let identity = try RequestScope.caller()
        guard identity.isAdmin else { throw ChatterError(.forbidden, "dead letters are for admins") }
        let letter = try await runtime.intel.requestRetry(id: input.path.id, tenantID: identity.tenantID)
        if let agent = IntelAgentKind(rawValue: letter.agent) { runtime.intelObserver.requestRetry(for: agent) }
        runtime.database.eventSignal.notify()
        return .accepted(.init(body: .json(.init(letter))))
    }
}

extension Schemas.DeadLetter {
    init(_ letter: IntelStore.DeadLetter) {
        self.init(
            id: letter.id, conversationId: letter.conversationID, messageId: letter.messageID, messageSeq: letter.messageSeq, agent: letter.agent,
            error: letter.error, attempts: letter.attempts, status: .init(rawValue: letter.status) ?? .dead,
            createdAt: Date(milliseconds: letter.createdAtMilliseconds), updatedAt: Date(milliseconds: letter.updatedAtMilliseconds)
        )
    }
}
