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
    let ledger: LedgerStore
    let providers: ProviderRegistry
    let prices: PriceCatalog
    let defaultModel: ModelReference
    let historyTokenBudget: Int64
    let nodeID: String
    let logger: Logger
    let estimator = TokenEstimator()

    public static let maxContentCharacters = 200_000

    public func prepare(conversationID: String, request: TurnRequest, identity: Identity, correlationID: String?) async throws -> PreparedTurn {
        guard !request.content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
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
        let model = try resolveModel(request.model ?? conversation.model)
        let provider = try await providers.resolve(model)
        return PreparedTurn(
            identity: identity, conversation: conversation, request: request, model: model, provider: provider, correlationID: correlationID
        )
    }

    /// The model a request names, or the default; an unparseable or unknown one is the caller's error.
    func resolveModel(_ text: String?) throws -> ModelReference {
        guard let text else { return defaultModel }
        guard let reference = ModelReference(parsing: text) else {
            throw ChatterError(.unknownModel, "model must be provider/model, e.g. demo/echo (got \"\(text)\")")
        }
        return reference
    }

    /// Checks a model named on a conversation before it is stored.
    public func validateModel(_ text: String) async throws {
        _ = try await providers.resolve(try resolveModel(text))
    }

    /// Runs the turn to its end. `onEvent` sees the start, each delta and the end; it must not block for long.
    /// `clientGone` is asked when the call ends, to record a stream whose reader left as `client_disconnected`.
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
        let history = try await conversations.history(
            conversationID: conversation.id, tenantID: turn.identity.tenantID, throughSeq: .max, tokenBudget: budget,
            count: { estimator.count($0) }
        )
        // The newest message always fits in `history`; drop it if it alone exceeds what is left.
        let fitting = history.count == 1 && estimator.count(history[0].content) > budget ? [] : history
        messages += fitting.map { ChatMessage(role: $0.role == .user ? .user : .assistant, content: $0.content) }
        messages.append(ChatMessage(role: .user, content: turn.request.content))

        let chatRequest = ChatRequest(
            model: turn.model.model, messages: messages, temperature: turn.request.temperature, maxTokens: turn.request.maxTokens
        )
        let call = try await ledger.start(
            CallStart(
                identity: turn.identity, conversationID: conversation.id, correlationID: turn.correlationID, executionKind: "chat",
                purpose: "chat", userContent: turn.request.content, provider: turn.model.provider, model: turn.model.model,
                streamed: turn.request.stream, estimatedInputTokens: estimator.inputTokens(for: messages), nodeID: nodeID
            )
        )
        let assistantMessageID = Identifier.make()
        await onEvent(.started(call, assistantMessageID: assistantMessageID))

        let firstToken = FirstTokenClock()
        let completion: ChatCompletion
        do {
            if turn.request.stream {
                completion = try await turn.provider.stream(chatRequest) { delta in
                    firstToken.mark()
                    await onEvent(.delta(delta))
                }
            } else {
                completion = try await turn.provider.complete(chatRequest)
            }
        } catch {
            let failure = error as? ProviderFailure ?? ProviderFailure(.transport, String(describing: error))
            let chatterError = try await recordFailure(failure, call: call, messages: messages, firstToken: firstToken.milliseconds)
            await onEvent(.failed(chatterError))
            throw chatterError
        }

        let pricing = try await prices.price(
            tenantID: call.tenantID, usage: completion.usage, provider: call.provider, model: call.model, day: call.day
        )
        let finished = try await finishWithRetry(
            call,
            CallOutcome(
                status: clientGone() ? .clientDisconnected : .ok, usage: completion.usage, pricing: pricing,
                finishReason: completion.finishReason, upstreamRequestID: completion.upstreamRequestID,
                responseModel: completion.responseModel, firstTokenAtMilliseconds: firstToken.milliseconds,
                finishedAtMilliseconds: Clock.nowMilliseconds(), assistantMessage: (assistantMessageID, completion.content),
                executionStatus: .completed
            )
        )
        let completed = CompletedTurn(
            call: call, usage: completion.usage, pricing: pricing, finishReason: completion.finishReason,
            assistantMessage: finished.assistantMessage!, conversation: finished.conversation!
        )
        await onEvent(.completed(completed))
        return completed
    }

    /// A failed call keeps its row (status `error`), with what it is known to have used, and fails its
    /// execution; no assistant message is invented.
    private func recordFailure(_ failure: ProviderFailure, call: StartedCall, messages: [ChatMessage], firstToken: Int64?) async throws -> ChatterError {
        let usage: Usage =
            if let reported = failure.reportedUsage {
                reported
            } else if !failure.partialContent.isEmpty {
                estimator.usage(messages: messages, output: failure.partialContent)
            } else {
                .missing
            }
        let pricing = try await prices.price(tenantID: call.tenantID, usage: usage, provider: call.provider, model: call.model, day: call.day)
        _ = try await finishWithRetry(
            call,
            CallOutcome(
                status: .error, usage: usage, pricing: pricing, upstreamRequestID: failure.upstreamRequestID,
                error: failure.description, firstTokenAtMilliseconds: firstToken, finishedAtMilliseconds: Clock.nowMilliseconds(),
                executionStatus: .failed
            )
        )
        logger.warning(
            "upstream call failed",
            metadata: ["llm_call_id": "\(call.llmCallID)", "provider": "\(call.provider)", "model": "\(call.model)", "error": "\(failure.kind)"]
        )
        let references = ["llm_call_id": call.llmCallID, "execution_id": call.executionID]
        switch failure.kind {
        case .timeout:
            return ChatterError(.upstreamTimeout, "the model provider did not answer in time", extensions: references)
        case .http(let status):
            return ChatterError(.upstreamError, "the model provider answered with HTTP \(status): \(failure.message)", extensions: references)
        case .transport, .malformedResponse:
            return ChatterError(.upstreamError, "the model provider call failed: \(failure.description)", extensions: references)
        }
    }
}

extension ChatService {
    /// The upstream has answered, so its numbers must not be lost to a passing database fault (a dropped
    /// connection, a busy pool): the finalising transaction is retried a few times before giving up, after
    /// which the call stays `in_flight` and the next start-up finalises it as `interrupted`.
    func finishWithRetry(_ call: StartedCall, _ outcome: CallOutcome) async throws -> FinishedCall {
        var delay: Duration = .milliseconds(50)
        for attempt in 1... {
            do {
                return try await ledger.finish(call, outcome: outcome)
            } catch let error as ChatterError {
                throw error
            } catch where attempt < 4 {
                logger.warning("retrying the ledger write", metadata: ["llm_call_id": "\(call.llmCallID)", "error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay *= 4
            }
        }
        preconditionFailure("unreachable: the loop returns or throws")
    }
}

/// When the first token arrived, set once from the streaming callback.
final class FirstTokenClock: Sendable {
    private let value = Mutex<Int64?>(nil)

    func mark() {
        value.withLock { if $0 == nil { $0 = Clock.nowMilliseconds() } }
    }

    var milliseconds: Int64? { value.withLock { $0 } }
}

import Foundation
import Synchronization
