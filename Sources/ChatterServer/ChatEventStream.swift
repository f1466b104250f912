import ChatterAPI
import ChatterCore
import ChatterStore
import Foundation
import OpenAPIRuntime
import Hummingbird
import Synchronization

/// The SSE reply of a streamed chat turn: `start`, `token`…, `usage`, `end` — or `error`.
/// The turn runs in its own task: when the client goes away the stream's buffer is dropped, the turn keeps
/// reading the upstream to its final usage, and the call is recorded as `client_disconnected`.
enum ChatEventStream {
    static func start(_ turn: ChatService.PreparedTurn, chat: ChatService, work: InFlightWork) -> HTTPBody {
        let (stream, continuation) = AsyncStream<ArraySlice<UInt8>>.makeStream()
        let clientGone = Mutex(false)
        let connectionGone = ClientPresence.currentlyGone
        continuation.onTermination = { termination in
            if case .cancelled = termination { clientGone.withLock { $0 = true } }
        }
        let reportedFailure = Mutex(false)
        work.run {
            do {
                _ = try await chat.run(turn, clientGone: { clientGone.withLock { $0 } || connectionGone() }) { event in
                    if case .failed = event { reportedFailure.withLock { $0 = true } }
                    for frame in frames(for: event) { continuation.yield(frame) }
                }
            } catch {
                if !reportedFailure.withLock({ $0 }) {
                    let chatterError =
                        error as? ChatterError
                        ?? ProblemMiddleware<BasicRequestContext>.internalError(error, logger: chat.logger, requestID: RequestScope.requestID)
                    continuation.yield(frame("error", problem(chatterError)))
                }
            }
            continuation.finish()
        }
        return HTTPBody(stream, length: .unknown, iterationBehavior: .single)
    }

    static func frames(for event: ChatService.Event) -> [ArraySlice<UInt8>] {
        switch event {
        case .started(let call, let assistantMessageID):
            return [
                frame(
                    "start",
                    StartPayload(
                        conversationId: call.conversationID ?? "", executionId: call.executionID, llmCallId: call.llmCallID,
                        assistantMessageId: assistantMessageID, provider: call.provider, model: call.model,
                        userMessage: call.userMessage.map { Schemas.Message($0) }
                    )
                )
            ]
        case .delta(let text):
            return [frame("token", TokenPayload(delta: text))]
        case .completed(let turn):
            let usage = turn.usage
            return [
                frame(
                    "usage",
                    UsagePayload(
                        inputTokens: usage.inputTokens, cachedInputTokens: usage.cachedInputTokens, cacheWriteTokens: usage.cacheWriteTokens,
                        outputTokens: usage.outputTokens, reasoningTokens: usage.reasoningTokens, totalTokens: usage.totalTokens,
                        usageSource: usage.source.rawValue, costNanousd: turn.pricing.costNanoUSD, finishReason: turn.finishReason
                    )
                ),
                frame(
                    "end",
                    Schemas.ChatTurn(
                        executionId: turn.call.executionID, llmCallId: turn.call.llmCallID,
                        userMessage: .init(turn.call.userMessage!), assistantMessage: .init(turn.assistantMessage),
                        conversation: .init(turn.conversation)
                    )
                ),
            ]
        case .failed(let error):
            return [frame("error", problem(error))]
        }
    }

    static func problem(_ error: ChatterError) -> Problem {
        Problem(error, instance: nil, requestID: RequestScope.requestID.isEmpty ? nil : RequestScope.requestID)
    }

    static func frame(_ event: String, _ payload: some Encodable) -> ArraySlice<UInt8> {
        let json = (try? JSONEncoder.api.encode(payload)) ?? Data("{}".utf8)
        return ArraySlice(Array("event: \(event)\ndata: ".utf8) + Array(json) + Array("\n\n".utf8))
    }

    struct StartPayload: Encodable {
        var conversationId: String
        var executionId: String
        var llmCallId: String
        var assistantMessageId: String
        var provider: String
        var model: String
        var userMessage: Schemas.Message?

        enum CodingKeys: String, CodingKey {
            case conversationId = "conversation_id", executionId = "execution_id", llmCallId = "llm_call_id"
            case assistantMessageId = "assistant_message_id", provider, model, userMessage = "user_message"
        }
    }

    struct TokenPayload: Encodable {
        var delta: String
    }

    struct UsagePayload: Encodable {
        var inputTokens: Int64
        var cachedInputTokens: Int64
        var cacheWriteTokens: Int64
        var outputTokens: Int64
        var reasoningTokens: Int64
        var totalTokens: Int64
        var usageSource: String
        var costNanousd: Int64?
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens", cachedInputTokens = "cached_input_tokens", cacheWriteTokens = "cache_write_tokens"
            case outputTokens = "output_tokens", reasoningTokens = "reasoning_tokens", totalTokens = "total_tokens"
            case usageSource = "usage_source", costNanousd = "cost_nanousd", finishReason = "finish_reason"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(inputTokens, forKey: .inputTokens)
            try container.encode(cachedInputTokens, forKey: .cachedInputTokens)
            try container.encode(cacheWriteTokens, forKey: .cacheWriteTokens)
            try container.encode(outputTokens, forKey: .outputTokens)
            try container.encode(reasoningTokens, forKey: .reasoningTokens)
            try container.encode(totalTokens, forKey: .totalTokens)
            try container.encode(usageSource, forKey: .usageSource)
            // An unpriced call says so with null, never with 0.
            try container.encode(costNanousd, forKey: .costNanousd)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }
}
