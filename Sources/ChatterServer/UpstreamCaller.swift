import ChatterCore
import ChatterLLM
import ChatterStore
import Foundation
import Logging
import Tracing

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
    let supervisor: StreamSupervisor
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
        let workflow = ChatterTracing.workflowSpan(start)
        defer { workflow.end() }
        do {
            var call = try await ledger.start(start)
            await onStarted(call)
            var attempt = 1
            while true {
                // Ended when the attempt's row is finalised (before a retry's backoff), or on the way out if that fails.
                let span = AttemptSpan(
                    ChatterTracing.callSpan(call, provider: provider, request: request, streamed: start.streamed, parent: workflow.context)
                )
                defer { span.end() }
                let firstToken = FirstTokenClock()
                let partial = PartialOutput()
                let completion: ChatCompletion
                do {
                    // The attempt's span is the current context while the provider is called, so the upstream request
                    // carries it (`traceparent`).
                    completion = try await ServiceContext.$current.withValue(span.span.context) {
                        start.streamed
                            ? try await supervisedStream(provider, request, firstToken: firstToken, partial: partial, clientGone: clientGone, onDelta: onDelta)
                            : try await provider.complete(request)
                    }
                } catch let stop as StreamStop {
                    // The client left and policy (cancel mode, drain time or drain slots) ended the upstream read:
                    // the call was cancelled (a failure, `llm.call.failed`), what arrived is estimated, and no reply
                    // is stored. A call read on to its end after the client left is `client_disconnected` below.
                    let usage = estimator.usage(messages: request.messages, output: partial.text)
                    let pricing = try await prices.price(tenantID: call.tenantID, usage: usage, provider: call.provider, model: call.model, day: call.day)
                    _ = try await finish(
                        call, span: span,
                        CallOutcome(
                            status: .cancelled, usage: usage, pricing: pricing, error: stop.description,
                            firstTokenAtMilliseconds: firstToken.milliseconds, finishedAtMilliseconds: Clock.nowMilliseconds(), executionStatus: .failed
                        )
                    )
                    throw ChatterError(.unavailable, stop.description, extensions: ["llm_call_id": call.llmCallID, "execution_id": call.executionID])
                } catch {
                    let failure = error as? ProviderFailure ?? ProviderFailure(.transport, String(describing: error))
                    let retrying =
                        failure.isRetryable && attempt < retry.maxAttempts && firstToken.milliseconds == nil && failure.partialContent.isEmpty
                        && !clientGone()
                    try await record(failure, call: call, span: span, messages: request.messages, firstToken: firstToken.milliseconds, endsExecution: !retrying)
                    guard retrying else { throw Self.chatterError(for: failure, call: call) }
                    let delay = retry.delay(afterAttempt: attempt, retryAfter: failure.retryAfter)
                    logger.notice(
                        "retrying upstream call",
                        metadata: ["llm_call_id": "\(call.llmCallID)", "attempt": "\(attempt)", "delay": "\(delay)", "error": "\(failure.kind)"]
                    )
                    try await Task.sleep(for: delay)
                    attempt += 1
                    do {
                        call = try await ledger.startAttempt(
                            after: call, attempt: attempt, purpose: start.purpose, streamed: start.streamed,
                            estimatedInputTokens: start.estimatedInputTokens, nodeID: nodeID
                        )
                    } catch {
                        try? await ledger.failExecution(call, error: "the next attempt could not be recorded")
                        throw error
                    }
                    continue
                }
                // The upstream has answered: from here on a failure is ours, not the provider's. If the ledger
                // cannot be written even after retries, the row stays in flight for the next start-up to finalise.
                let pricing = try await prices.price(
                    tenantID: call.tenantID, usage: completion.usage, provider: call.provider, model: call.model, day: call.day
                )
                let finished = try await finish(
                    call, span: span,
                    CallOutcome(
                        status: clientGone() ? .clientDisconnected : .ok, usage: completion.usage, pricing: pricing,
                        finishReason: completion.finishReason, upstreamRequestID: completion.upstreamRequestID,
                        responseModel: completion.responseModel, firstTokenAtMilliseconds: firstToken.milliseconds,
                        finishedAtMilliseconds: Clock.nowMilliseconds(), generationMicroseconds: completion.generationMicroseconds,
                        assistantMessage: assistantMessageID.map { ($0, completion.content) }, executionStatus: .completed
                    )
                )
                let result = Result(call: call, completion: completion, pricing: pricing, finished: finished)
                ChatterTracing.recordWorkflow(.success(result), on: workflow)
                return result
            }
        } catch {
            ChatterTracing.recordWorkflow(.failure(error), on: workflow)
            throw error
        }
    }

    /// Reads a stream under the supervisor's watch: no first token within the limit is a timeout; a client that
    /// leaves is followed by a bounded drain (time and concurrent drains) or, in cancel mode, by cancelling upstream.
    private func supervisedStream(
        _ provider: any ChatProvider, _ request: ChatRequest, firstToken: FirstTokenClock, partial: PartialOutput,
        clientGone: @escaping @Sendable () -> Bool, onDelta: @escaping @Sendable (ChatDelta) async -> Void
    ) async throws -> ChatCompletion {
        // Its own task, so that the supervisor can stop it; it starts here and keeps to the request's loop.
        let reading = Task.immediate(executorPreference: EventLoopTaskExecutor.current) {
            try await provider.stream(request) { delta in
                firstToken.mark()
                partial.append(delta)
                await onDelta(delta)
            }
        }
        let watch = supervisor.watch(reading, firstToken: firstToken, clientGone: clientGone)
        defer { supervisor.end(watch) }
        do {
            return try await withTaskCancellationHandler { try await reading.value } onCancel: { reading.cancel() }
        } catch {
            guard let stop = watch.stopReason else { throw error }
            // A timeout carries what arrived up to the cancel, the provider's request id and what it had reported
            // (Anthropic's input and cache counts arrive first); a stream stopped after its client left is estimated,
            // as the disconnect policy says.
            if var timeout = stop as? ProviderFailure {
                let read = error as? ProviderFailure
                timeout.reportedUsage = timeout.reportedUsage ?? read?.reportedUsage
                timeout.upstreamRequestID = timeout.upstreamRequestID ?? read?.upstreamRequestID
                timeout.partialContent = partial.text
                throw timeout
            }
            throw stop
        }
    }

    /// A failed attempt keeps its row (status `error`) with what it is known to have used; the execution
    /// fails with the last attempt. No assistant message is invented.
    private func record(_ failure: ProviderFailure, call: StartedCall, span: AttemptSpan, messages: [ChatMessage], firstToken: Int64?, endsExecution: Bool) async throws {
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
        span.span.updateAttributes { $0["error.type"] = failure.errorType }
        _ = try await finish(
            call, span: span,
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
            let what = failure.partialContent.isEmpty ? "answer" : "finish its answer"
            return ChatterError(.upstreamTimeout, "the model provider did not \(what) in time (\(failure.message))", extensions: references)
        case .http(let status) where [400, 404, 413, 422].contains(status):
            // The provider refused what was asked of it (too long a prompt, a parameter it rejects): the
            // caller's request, not an outage.
            return ChatterError(.invalidRequest, "the model provider rejected the request (HTTP \(status)): \(failure.message)", extensions: references)
        case .http(let status) where status == 429:
            // The provider's `Retry-After`, whole seconds rounded up, goes back to the client (as a header too).
            var references = references
            if let wait = failure.retryAfter {
                references[ChatterError.retryAfterKey] = String(wait.components.seconds + (wait.components.attoseconds > 0 ? 1 : 0))
            }
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
    func finish(_ call: StartedCall, span: AttemptSpan, _ outcome: CallOutcome) async throws -> FinishedCall {
        ChatterTracing.record(outcome, on: span.span)
        defer { span.end() }
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

/// How long a stream may take to start and to finish, and what happens when its client leaves.
public struct StreamLimits: Sendable {
    public var firstTokenTimeout: Duration
    /// The longest a whole streamed call may take (`CHATTER_UPSTREAM_REQUEST_TIMEOUT_SECONDS`). A non-streamed call has
    /// the same limit as its HTTP client's deadline, which covers the wait for the response's head; its body is bounded
    /// by the idle timeout.
    public var requestTimeout: Duration
    /// Cancel the upstream call at once (usage estimated) instead of reading on to the provider's own numbers.
    public var cancelOnDisconnect: Bool
    public var drainTimeout: Duration
    public var maxConcurrentDrains: Int

    public init(
        firstTokenTimeout: Duration, requestTimeout: Duration = .seconds(600), cancelOnDisconnect: Bool, drainTimeout: Duration,
        maxConcurrentDrains: Int
    ) {
        self.firstTokenTimeout = firstTokenTimeout
        self.requestTimeout = requestTimeout
        self.cancelOnDisconnect = cancelOnDisconnect
        self.drainTimeout = drainTimeout
        self.maxConcurrentDrains = maxConcurrentDrains
    }
}

/// Why Chatter stopped reading a stream whose client had left.
enum StreamStop: Error, CustomStringConvertible {
    case cancelledOnDisconnect, drainTimedOut, tooManyDrains

    var description: String {
        switch self {
        case .cancelledOnDisconnect: "the client disconnected and the upstream call was cancelled (usage estimated)"
        case .drainTimedOut: "the client disconnected and the upstream did not finish within the drain time (usage estimated)"
        case .tooManyDrains: "the client disconnected while the most concurrent drains were running; the upstream call was cancelled (usage estimated)"
        }
    }
}

/// Watches every stream being read, on one timer for all of them (a timer per stream woke each one 20 times a second
/// for as long as it ran): the first-token and whole-call timeouts, and what happens once a stream's client has left.
/// Streams read on after their clients left are bounded in number, so abandoned calls cannot pile up.
final class StreamSupervisor: Sendable {
    /// One stream under watch.
    final class Watch: Sendable {
        fileprivate let reading: Task<ChatCompletion, any Error>
        fileprivate let started = ContinuousClock.now
        fileprivate let firstToken: FirstTokenClock
        fileprivate let clientGone: @Sendable () -> Bool
        fileprivate let state = Mutex(State())

        fileprivate struct State {
            var goneSince: ContinuousClock.Instant?
            var holdsDrainSlot = false
            var stopReason: (any Error)?
            var ended = false
        }

        fileprivate init(reading: Task<ChatCompletion, any Error>, firstToken: FirstTokenClock, clientGone: @escaping @Sendable () -> Bool) {
            self.reading = reading
            self.firstToken = firstToken
            self.clientGone = clientGone
        }

        /// Why the supervisor stopped the stream, if it did.
        var stopReason: (any Error)? { state.withLock { $0.stopReason } }
    }

    let limits: StreamLimits
    let tick: Duration
    private let watched = Mutex((watches: [ObjectIdentifier: Watch](), ticking: false, drains: 0))

    init(limits: StreamLimits, tick: Duration = .milliseconds(50)) {
        self.limits = limits
        self.tick = tick
    }

    func watch(
        _ reading: Task<ChatCompletion, any Error>, firstToken: FirstTokenClock, clientGone: @escaping @Sendable () -> Bool
    ) -> Watch {
        let watch = Watch(reading: reading, firstToken: firstToken, clientGone: clientGone)
        let startTicking = watched.withLock { watched in
            watched.watches[ObjectIdentifier(watch)] = watch
            defer { watched.ticking = true }
            return !watched.ticking
        }
        if startTicking { Task.detached { await self.run() } }
        return watch
    }

    /// The stream has ended: its drain slot, if it held one, is free.
    func end(_ watch: Watch) {
        let heldSlot = watch.state.withLock { state in
            state.ended = true
            return state.holdsDrainSlot
        }
        watched.withLock { watched in
            watched.watches[ObjectIdentifier(watch)] = nil
            if heldSlot { watched.drains -= 1 }
        }
    }

    /// Ticks while any stream is watched.
    private func run() async {
        while true {
            try? await Task.sleep(for: tick)
            let watches: [Watch]? = watched.withLock { watched in
                guard !watched.watches.isEmpty else {
                    watched.ticking = false
                    return nil
                }
                return Array(watched.watches.values)
            }
            guard let watches else { return }
            let now = ContinuousClock.now
            for watch in watches {
                if let reason = verdict(on: watch, at: now) { stop(watch, reason) }
            }
        }
    }

    private func verdict(on watch: Watch, at now: ContinuousClock.Instant) -> (any Error)? {
        if watch.firstToken.milliseconds == nil && now - watch.started > limits.firstTokenTimeout {
            return ProviderFailure(.timeout, "no first token within \(limits.firstTokenTimeout)")
        }
        if now - watch.started > limits.requestTimeout {
            return ProviderFailure(.timeout, "the stream did not end within \(limits.requestTimeout)")
        }
        guard watch.clientGone() else { return nil }
        if limits.cancelOnDisconnect { return StreamStop.cancelledOnDisconnect }
        let noticed = watch.state.withLock { state in
            defer { state.goneSince = state.goneSince ?? now }
            return state.goneSince
        }
        guard let goneSince = noticed else {
            // Just noticed: the drain needs one of the slots.
            return acquireDrainSlot(for: watch) ? nil : StreamStop.tooManyDrains
        }
        return now - goneSince > limits.drainTimeout ? StreamStop.drainTimedOut : nil
    }

    private func acquireDrainSlot(for watch: Watch) -> Bool {
        let acquired = watched.withLock { watched in
            guard watched.drains < limits.maxConcurrentDrains else { return false }
            watched.drains += 1
            return true
        }
        guard acquired else { return false }
        let kept = watch.state.withLock { state in
            guard !state.ended else { return false }
            state.holdsDrainSlot = true
            return true
        }
        // A stream that ended while this tick looked at it gives its slot back at once (`end` has already run).
        if !kept { watched.withLock { $0.drains -= 1 } }
        return true
    }

    private func stop(_ watch: Watch, _ reason: any Error) {
        let first = watch.state.withLock { state in
            guard state.stopReason == nil else { return false }
            state.stopReason = reason
            return true
        }
        if first { watch.reading.cancel() }
    }
}

/// What a stream has produced so far, to estimate a call that is stopped before it ends.
final class PartialOutput: Sendable {
    private let value = Mutex("")

    func append(_ delta: ChatDelta) {
        switch delta {
        case .text(let text): value.withLock { $0 += text }
        case .toolCall(_, _, let name, let arguments): value.withLock { $0 += (name ?? "") + arguments }
        }
    }

    var text: String { value.withLock { $0 } }
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
