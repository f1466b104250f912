import ChatterCore
import ChatterLLM
import ChatterStore
import Foundation
import Logging

/// When to try an upstream call again: on 429 and 5xx only, only before any token reached the client,
/// waiting what the provider asked (`Retry-After`) or an exponential backoff with full jitter.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(20)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(retryAfter, maxDelay) }
        let ceiling = min(maxDelay, baseDelay * (1 << min(attempt - 1, 16)))
        let milliseconds = Int64(ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000)
        return .milliseconds(Int64.random(in: 0...max(1, milliseconds)))
    }
}

/// Runs one model call through the ledger: the execution and the `in_flight` row are written before the
/// request, every attempt is its own row, and the finalising transaction carries the usage everywhere.
struct UpstreamCaller: Sendable {
    struct Result: Sendable {
        var call: StartedCall
        var completion: ChatCompletion
        var pricing: Pricing
        var finished: FinishedCall
    }

    let ledger: LedgerStore
    let prices: PriceCatalog
    let retry: RetryPolicy
    let nodeID: String
    let logger: Logger
    let estimator = TokenEstimator()

    func run(
        _ provider: any ChatProvider,
        _ request: ChatRequest,
        start: CallStart,
        assistantMessageID: String?,
        clientGone: @escaping @Sendable () -> Bool,
        onStarted: @Sendable (StartedCall) async -> Void,
        onDelta: @escaping @Sendable (ChatDelta) async -> Void
    ) async throws -> Result {
        var call = try await ledger.start(start)
        await onStarted(call)
        var attempt = 1
        while true {
            let firstToken = FirstTokenClock()
            do {
                let completion =
                    start.streamed
                    ? try await provider.stream(request) { delta in
                        firstToken.mark()
                        await onDelta(delta)
                    }
                    : try await provider.complete(request)
                let pricing = try await prices.price(
                    tenantID: call.tenantID, usage: completion.usage, provider: call.provider, model: call.model, day: call.day
                )
                let finished = try await finish(
                    call,
                    CallOutcome(
                        status: clientGone() ? .clientDisconnected : .ok, usage: completion.usage, pricing: pricing,
                        finishReason: completion.finishReason, upstreamRequestID: completion.upstreamRequestID,
                        responseModel: completion.responseModel, firstTokenAtMilliseconds: firstToken.milliseconds,
                        finishedAtMilliseconds: Clock.nowMilliseconds(),
                        assistantMessage: assistantMessageID.map { ($0, completion.content) }, executionStatus: .completed
                    )
                )
                return Result(call: call, completion: completion, pricing: pricing, finished: finished)
            } catch {
                let failure = error as? ProviderFailure ?? ProviderFailure(.transport, String(describing: error))
                let retrying =
                    failure.isRetryable && attempt < retry.maxAttempts && firstToken.milliseconds == nil && failure.partialContent.isEmpty
                    && !clientGone()
                try await record(failure, call: call, messages: request.messages, firstToken: firstToken.milliseconds, endsExecution: !retrying)
                guard retrying else { throw Self.chatterError(for: failure, call: call) }
                let delay = retry.delay(afterAttempt: attempt, retryAfter: failure.retryAfter)
                logger.notice(
                    "retrying upstream call",
                    metadata: ["llm_call_id": "\(call.llmCallID)", "attempt": "\(attempt)", "delay": "\(delay)", "error": "\(failure.kind)"]
                )
                try await Task.sleep(for: delay)
                attempt += 1
                call = try await ledger.startAttempt(
                    after: call, attempt: attempt, purpose: start.purpose, streamed: start.streamed,
                    estimatedInputTokens: start.estimatedInputTokens, nodeID: nodeID
                )
            }
        }
    }

    /// A failed attempt keeps its row (status `error`) with what it is known to have used; the execution
    /// fails with the last attempt. No assistant message is invented.
    private func record(_ failure: ProviderFailure, call: StartedCall, messages: [ChatMessage], firstToken: Int64?, endsExecution: Bool) async throws {
        var usage: Usage = .missing
        if var reported = failure.reportedUsage {
            // A stream cut mid-way may have reported its input but not all of the output it had produced.
            let produced = estimator.count(failure.partialContent)
            if produced > reported.outputTokens {
                reported.outputTokens = produced
                reported.source = .estimated
            }
            usage = reported
        } else if !failure.partialContent.isEmpty {
            usage = estimator.usage(messages: messages, output: failure.partialContent)
        }
        let pricing = try await prices.price(tenantID: call.tenantID, usage: usage, provider: call.provider, model: call.model, day: call.day)
        _ = try await finish(
            call,
            CallOutcome(
                status: .error, usage: usage, pricing: pricing, upstreamRequestID: failure.upstreamRequestID, error: failure.description,
                firstTokenAtMilliseconds: firstToken, finishedAtMilliseconds: Clock.nowMilliseconds(),
                executionStatus: endsExecution ? .failed : nil
            )
        )
        logger.warning(
            "upstream call failed",
            metadata: ["llm_call_id": "\(call.llmCallID)", "provider": "\(call.provider)", "model": "\(call.model)", "error": "\(failure.kind)"]
        )
    }

    static func chatterError(for failure: ProviderFailure, call: StartedCall) -> ChatterError {
        let references = ["llm_call_id": call.llmCallID, "execution_id": call.executionID]
        switch failure.kind {
        case .timeout:
            return ChatterError(.upstreamTimeout, "the model provider did not answer in time", extensions: references)
        case .http(let status) where status == 429:
            return ChatterError(.upstreamRateLimited, "the model provider is rate limiting: \(failure.message)", extensions: references)
        case .http(let status):
            return ChatterError(.upstreamError, "the model provider answered with HTTP \(status): \(failure.message)", extensions: references)
        case .transport, .malformedResponse:
            return ChatterError(.upstreamError, "the model provider call failed: \(failure.description)", extensions: references)
        }
    }

    /// The upstream has answered, so its numbers must not be lost to a passing database fault (a dropped
    /// connection, a busy pool): the finalising transaction is retried a few times before giving up, after
    /// which the call stays `in_flight` and the next start-up finalises it as `interrupted`.
    func finish(_ call: StartedCall, _ outcome: CallOutcome) async throws -> FinishedCall {
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

import Synchronization
