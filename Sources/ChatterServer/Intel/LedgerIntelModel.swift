import ChatterCore
import ChatterIntel
import ChatterLLM
import ChatterStore

/// The language model of the LLM intelligence engines: each call goes through the upstream caller, so it is an
/// `llm_calls` row like any other (execution kind `intel`, purpose `intel.<agent>`, on the conversation's
/// owner and totals), with retries, timeouts and pricing. The agents' prompts hold redacted text only.
struct LedgerIntelModel: IntelLanguageModel {
    /// Intel calls are made by the system, not with a key; usage by key lists them under this id.
    static let apiKeyID = "system:intel"

    let reference: ModelReference
    let providers: ProviderRegistry
    let caller: UpstreamCaller
    let nodeID: String

    var name: String { "\(reference.provider)/\(reference.model)" }

    func complete(system: String, user: String, agent: IntelAgentKind, for conversation: IntelConversation) async throws -> String {
        let provider = try await providers.resolve(reference)
        let messages = [ChatMessage(role: .system, content: system), ChatMessage(role: .user, content: user)]
        let request = ChatRequest(model: reference.model, messages: messages, temperature: 0, maxTokens: 1024)
        let start = CallStart(
            identity: Identity(tenantID: conversation.tenantID, userID: conversation.userID, apiKeyID: Self.apiKeyID, role: .member),
            conversationID: conversation.conversationID, correlationID: nil, executionKind: "intel", purpose: "intel.\(agent.rawValue)",
            userContent: nil, provider: reference.provider, model: reference.model, streamed: false,
            estimatedInputTokens: TokenEstimator().inputTokens(for: messages), nodeID: nodeID
        )
        let result = try await caller.run(
            provider, request, start: start, assistantMessageID: nil, clientGone: { false }, onStarted: { _ in }, onDelta: { _ in }
        )
        return result.completion.content
    }
}
