import ChatterCore
import ChatterLLM
import ChatterStore
import Logging

/// One chat turn: validate, build the context, record the call before sending it, call the provider,
/// and finalise the ledger in one transaction — whether the client is still there or not.
public struct ChatService: Sendable {
    public struct TurnRequest: Sendable {
        public var content: String
        public var model: String?
        public var temperature: Double?
        public var maxTokens: Int?
        public var stream: Bool

        public init(content: String, model: String?, temperature: Double?, maxTokens: Int?, stream: Bool) {
            self.content = content
            self.model = model
            self.temperature = temperature
            self.maxTokens = maxTokens
            self.stream = stream
        }
    }

    /// A turn that passed validation: nothing has been written yet.
    public struct PreparedTurn: Sendable {
        var identity: Identity
        var conversation: Conversation
        var request: TurnRequest
        var model: ModelReference
        var provider: any ChatProvider
        var correlationID: String?
    }

    public struct CompletedTurn: Sendable {
        public var call: StartedCall
        public var usage: Usage
        public var pricing: Pricing
        public var finishReason: String?
        public var assistantMessage: Message
        public var conversation: Conversation
    }

    public enum Event: Sendable {
        case started(StartedCall, assistantMessageID: String)
        case delta(String)
        case completed(CompletedTurn)
        case failed(ChatterError)
    }

    let conversations: ConversationStore
    let caller: UpstreamCaller
    let providers: ProviderRegistry
    let defaultModel: ModelReference
    let aliases: [String: ModelReference]
    let historyTokenBudget: Int64
    let nodeID: String
    let logger: Logger
    let estimator = TokenEstimator()

    public static let maxContentCharacters = 200_000

    public func prepare(conversationID: String, request: TurnRequest, identity: Identity, correlationID: String?) async throws -> PreparedTurn {
        guard !request.content.isBlank else {
            throw ChatterError.invalid("content must not be empty")
        }
        guard request.content.count <= Self.maxContentCharacters else {
            throw ChatterError.invalid("content must be at most \(Self.maxContentCharacters) characters")
        }
        if let temperature = request.temperature, !(0...2).contains(temperature) {
            throw ChatterError.invalid("temperature must be between 0 and 2")
        }
        if let maxTokens = request.maxTokens, maxTokens < 1 {
            throw ChatterError.invalid("max_tokens must be at least 1")
        }
        let conversation = try await conversations.get(id: conversationID, for: identity)
        guard conversation.mode == .assistant else {
            throw ChatterError.invalid("conversation \(conversationID) is observed: its messages need role customer or agent, and get no reply")
        }
        let model = try resolveModel(request.model ?? conversation.model)
        let provider = try await providers.resolve(model)
        let probe = ChatRequest(model: model.model, messages: [], temperature: request.temperature, maxTokens: request.maxTokens)
        let unsupported = provider.unsupportedFields(in: probe)
        guard unsupported.isEmpty else {
            throw ChatterError.invalid("provider '\(model.provider)' does not support: \(unsupported.map(\.description).joined(separator: ", "))")
        }
        return PreparedTurn(
            identity: identity, conversation: conversation, request: request, model: model, provider: provider, correlationID: correlationID
        )
    }

    /// The model a request names, or the default; an unparseable or unknown one is the caller's error.
    func resolveModel(_ text: String?) throws -> ModelReference {
        guard let text else { return defaultModel }
        if let alias = aliases[text] { return alias }
        guard let reference = ModelReference(parsing: text) else {
            throw ChatterError(.unknownModel, "model must be provider/model, e.g. demo/echo, or a configured alias (got \"\(text)\")")
        }
        return reference
    }

    /// Checks a model named on a conversation before it is stored.
    public func validateModel(_ text: String) async throws {
        _ = try await providers.resolve(try resolveModel(text))
    }

    /// Runs the turn to its end. `onEvent` sees the start, each delta and the end; it must not block for long.
    /// `clientGone` is watched during a stream and asked when the call ends, to record a reply whose client left as
    /// `client_disconnected`.
    public func run(
        _ turn: PreparedTurn,
        clientGone: @escaping @Sendable () -> Bool = { false },
        onEvent: @escaping @Sendable (Event) async -> Void = { _ in }
    ) async throws -> CompletedTurn {
        let conversation = turn.conversation
        var messages: [ChatMessage] = []
        if let systemPrompt = conversation.systemPrompt, !systemPrompt.isEmpty {
            messages.append(ChatMessage(role: .system, content: systemPrompt))
        }
        let budget = max(0, historyTokenBudget - estimator.count(turn.request.content) - estimator.count(conversation.systemPrompt ?? ""))
        // The new message is not stored yet, so the history is everything before it that fits the budget.
        let history = try await conversations.history(
            conversationID: conversation.id, tenantID: turn.identity.tenantID, tokenBudget: budget, count: { estimator.count($0) }
        )
        messages += history.map { ChatMessage(role: $0.role == .user ? .user : .assistant, content: $0.content) }
        messages.append(ChatMessage(role: .user, content: turn.request.content))

        let chatRequest = ChatRequest(
            model: turn.model.model, messages: messages, temperature: turn.request.temperature, maxTokens: turn.request.maxTokens
        )
        let start = CallStart(
            identity: turn.identity, conversationID: conversation.id, correlationID: turn.correlationID, executionKind: "chat",
            purpose: "chat", userContent: turn.request.content, provider: turn.model.provider, model: turn.model.model,
            streamed: turn.request.stream, estimatedInputTokens: estimator.inputTokens(for: messages), nodeID: nodeID
        )
        let assistantMessageID = Identifier.make()
        let result: UpstreamCaller.Result
        do {
            result = try await caller.run(
                turn.provider, chatRequest, start: start, assistantMessageID: assistantMessageID, clientGone: clientGone,
                onStarted: { await onEvent(.started($0, assistantMessageID: assistantMessageID)) },
                onDelta: { delta in
                    if case .text(let text) = delta { await onEvent(.delta(text)) }
                }
            )
        } catch let error as ChatterError where error.extensions["llm_call_id"] != nil {
            await onEvent(.failed(error))
            throw error
        }
        let completed = CompletedTurn(
            call: result.call, usage: result.completion.usage, pricing: result.pricing, finishReason: result.completion.finishReason,
            assistantMessage: result.finished.assistantMessage!, conversation: result.finished.conversation!
        )
        await onEvent(.completed(completed))
        return completed
    }
}

import Foundation
