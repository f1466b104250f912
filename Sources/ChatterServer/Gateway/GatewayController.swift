import ChatterCore
import ChatterLLM
import ChatterStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFoundationCompat
import Synchronization

/// The OpenAI-compatible gateway: `POST /v1/chat/completions` and `GET /v1/models`, authenticated with
/// Chatter keys. Every call is a ledger row (execution kind `gateway`) attributed to the key and its user;
/// `X-Chatter-Conversation-ID` attributes it to a conversation as well.
struct GatewayController {
    let runtime: ChatterRuntime

    static let conversationHeader = HTTPField.Name("X-Chatter-Conversation-ID")!
    static let costHeader = HTTPField.Name("X-Chatter-Cost-NanoUSD")!
    static let callHeader = HTTPField.Name("X-Chatter-LLM-Call-ID")!

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("v1/chat/completions") { request, context in
            await respond { try await completions(request) }
        }
        router.get("v1/models") { _, _ in
            await respond { try await models() }
        }
        // A model's id holds a `/` (`provider/model`), so the rest of the path is the id; SDKs send it escaped (`%2F`).
        router.get("v1/models/**") { _, context -> Response in
            let id = context.parameters.getCatchAll().joined(separator: "/")
            return await respond { try await model(id.removingPercentEncoding ?? id) }
        }
    }

    /// Errors in OpenAI's shape, as its SDKs expect; nothing escapes as a bare 500.
    private func respond(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as GatewayError {
            return Self.errorResponse(error)
        } catch let error as ChatterError {
            return Self.errorResponse(GatewayError(error))
        } catch {
            let chatterError = ProblemMiddleware<BasicRequestContext>.internalError(error, logger: runtime.logger, requestID: RequestScope.requestID)
            return Self.errorResponse(GatewayError(chatterError))
        }
    }

    static func errorResponse(_ error: GatewayError) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter = error.retryAfter { headers[.retryAfter] = retryAfter }
        return Response(status: .init(code: error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: error.json.jsonText)))
    }

    /// The aliases, then each provider's models where it can list them.
    private func models() async throws -> Response {
        _ = try RequestScope.caller()
        var data = runtime.configuration.aliases.keys.sorted().map { Self.modelObject(id: $0, owner: Self.aliasOwner) }
        for entry in await runtime.providers.catalog() {
            data += (entry.models ?? []).map { Self.modelObject(id: "\(entry.name)/\($0)", owner: entry.name) }
        }
        return Self.json(.object(["object": .string("list"), "data": .array(data)]))
    }

    /// One model (`GET /v1/models/{id}`, the SDKs' `models.retrieve`): whatever a completion would accept under that
    /// name — an alias, `provider/model`, or a bare name a provider lists — and nothing it would refuse.
    private func model(_ id: String) async throws -> Response {
        _ = try RequestScope.caller()
        let reference = try await resolve(id)
        _ = try await runtime.providers.resolve(reference)
        return Self.json(Self.modelObject(id: id, owner: runtime.configuration.aliases[id] != nil ? Self.aliasOwner : reference.provider))
    }

    private static let aliasOwner = "chatter-alias"

    /// A model as OpenAI's API describes one.
    private static func modelObject(id: String, owner: String) -> JSONValue {
        .object(["id": .string(id), "object": .string("model"), "created": .number(0), "owned_by": .string(owner)])
    }

    private func completions(_ request: Request) async throws -> Response {
        let identity = try RequestScope.caller()
        let body = try await request.body.collect(upTo: runtime.configuration.maxBodyBytes)
        guard let json = try? JSONValue(parsing: body.readableBytesView) else {
            throw GatewayError.invalid("the body is not valid JSON", param: nil)
        }
        var parsed = try GatewayRequest(json: json)
        let reference = try await resolve(parsed.model)
        let provider = try await runtime.providers.resolve(reference)
        parsed.chat.model = reference.model
        let unsupported = provider.unsupportedFields(in: parsed.chat)
        guard unsupported.isEmpty else {
            throw GatewayError.invalid(
                "provider '\(reference.provider)' does not support: \(unsupported.map(\.description).joined(separator: ", "))",
                param: unsupported.first?.param
            )
        }
        var conversationID: String?
        if let attached = request.headers[Self.conversationHeader] {
            let conversation = try await runtime.conversations.get(id: attached, for: identity)
            // An observed conversation is people talking: it takes no model calls, here as in its own turns.
            guard conversation.mode != .observe else {
                throw GatewayError.invalid("conversation \(attached) is observed (mode observe) and takes no model calls", param: nil)
            }
            conversationID = conversation.id
        }
        let start = CallStart(
            identity: identity, conversationID: conversationID, correlationID: RequestScope.requestID, executionKind: "gateway",
            purpose: "gateway", userContent: nil, provider: reference.provider, model: reference.model, streamed: parsed.stream,
            estimatedInputTokens: TokenEstimator().inputTokens(for: parsed.chat.messages), nodeID: runtime.configuration.nodeID
        )
        let rendering = GatewayRendering(model: parsed.model, created: Int64(Date().timeIntervalSince1970))
        if parsed.stream {
            return await stream(provider: provider, request: parsed, start: start, rendering: rendering)
        }
        let caller = runtime.caller
        let chat = parsed.chat
        let clientGone = ClientPresence.currentlyGone
        let result = try await runtime.work.run {
            try await caller.run(
                provider, chat, start: start, assistantMessageID: nil, clientGone: clientGone, onStarted: { _ in }, onDelta: { _ in }
            )
        }.value
        var response = Self.json(rendering.completion(result))
        response.headers[Self.costHeader] = result.pricing.costNanoUSD.map(String.init) ?? "unpriced"
        response.headers[Self.callHeader] = result.call.llmCallID
        return response
    }

    /// `provider/model`, or a bare model name as OpenAI SDK code sends it.
    private func resolve(_ model: String) async throws -> ModelReference {
        if let alias = runtime.configuration.aliases[model] { return alias }
        if let reference = ModelReference(parsing: model), runtime.providers.providerNames.contains(reference.provider) {
            return reference
        }
        guard let reference = await runtime.providers.reference(forBareModel: model) else {
            throw GatewayError(status: 404, message: "the model '\(model)' does not exist or is not configured", type: "invalid_request_error", param: "model", code: "model_not_found")
        }
        return reference
    }

    /// The stream runs in its own task: a client that leaves does not stop the upstream read or the ledger.
    ///
    /// The response starts with the stream's first bytes. A call that fails before the upstream answers (after its
    /// retries, or at the first-token timeout) is then an HTTP error with OpenAI's error body, as the SDKs expect, not
    /// a `200` carrying an error event; and the first chunk goes out with the first delta instead of on its own.
    private func stream(provider: any ChatProvider, request: GatewayRequest, start: CallStart, rendering: GatewayRendering) async -> Response {
        let clientGone = Mutex(false)
        let connectionGone = ClientPresence.currentlyGone
        let (stream, continuation) = CoalescingByteStream.make(onClientGone: { clientGone.withLock { $0 = true } })
        let opening = StreamOpening()
        let caller = runtime.caller
        let chat = request.chat
        let includeUsage = request.includeUsage
        let logger = runtime.logger
        let requestID = RequestScope.requestID
        runtime.work.run {
            let started = Mutex<StartedStream?>(nil)
            /// Sends `bytes`, after the first chunk if it has not gone yet, and opens the response.
            @Sendable func send(_ bytes: ByteBuffer) {
                var out = started.withLock { stream in
                    defer { stream?.firstChunk = nil }
                    return stream?.firstChunk ?? ByteBuffer()
                }
                var bytes = bytes
                out.writeBuffer(&bytes)
                continuation.yield(out)
                opening.open()
            }
            do {
                let result = try await caller.run(
                    provider, chat, start: start, assistantMessageID: nil, clientGone: { clientGone.withLock { $0 } || connectionGone() },
                    onStarted: { call in
                        started.withLock {
                            $0 = StartedStream(
                                executionID: call.executionID, text: GatewayRendering.TextFrames(rendering, id: call.executionID),
                                firstChunk: Self.frame(rendering.firstChunk(id: call.executionID))
                            )
                        }
                    },
                    onDelta: { delta in
                        let current = started.withLock { $0 }
                        if case .text(let content) = delta, let current {
                            send(current.text.frame(content))
                        } else {
                            send(Self.frame(rendering.chunk(id: current?.executionID ?? "", delta: delta)))
                        }
                    }
                )
                var end = Self.frame(rendering.finalChunk(result))
                if includeUsage { end.writeImmutableBuffer(Self.frame(rendering.usageChunk(result))) }
                end.writeString("data: [DONE]\n\n")
                send(end)
            } catch {
                let chatterError = error as? ChatterError ?? ProblemMiddleware<BasicRequestContext>.internalError(error, logger: logger, requestID: requestID)
                let gatewayError = GatewayError(chatterError)
                // Before the response has started, the error is its status; after, an error event ends the stream.
                if !opening.fail(gatewayError) { continuation.yield(Self.frame(gatewayError.json)) }
            }
            continuation.finish()
        }
        if let error = await opening.outcome(onCancel: { clientGone.withLock { $0 = true } }) {
            return Self.errorResponse(error)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody(asyncSequence: stream)
        )
    }

    /// What a stream's deltas are rendered with once its call has started.
    private struct StartedStream: Sendable {
        var executionID: String
        var text: GatewayRendering.TextFrames
        /// The chunk that opens the stream, until it is sent.
        var firstChunk: ByteBuffer?
    }

    static func frame(_ json: JSONValue) -> ByteBuffer {
        ByteBuffer(string: "data: \(json.jsonText)\n\n")
    }

    static func json(_ value: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }
}

/// Whether a gateway stream's response starts (its first bytes are ready) or fails first, decided once.
final class StreamOpening: Sendable {
    private enum State {
        case waiting(CheckedContinuation<GatewayError?, Never>?)
        case decided(GatewayError?)
    }

    private let state = Mutex(State.waiting(nil))

    /// The response starts: a later failure is an error event in the stream.
    func open() {
        decide(nil)
    }

    /// Fails the response before it starts; false if it had already started.
    func fail(_ error: GatewayError) -> Bool {
        decide(error)
    }

    @discardableResult
    private func decide(_ outcome: GatewayError?) -> Bool {
        let (waiter, decided): (CheckedContinuation<GatewayError?, Never>?, Bool) = state.withLock { state in
            guard case .waiting(let waiter) = state else { return (nil, false) }
            state = .decided(outcome)
            return (waiter, true)
        }
        waiter?.resume(returning: outcome)
        return decided
    }

    /// Waits for the decision: nil when the response starts, the error when it fails first. A cancelled wait (the
    /// request's task ended) runs `onCancel` and returns nil: the stream goes on for the ledger, unread.
    func outcome(onCancel: @escaping @Sendable () -> Void) async -> GatewayError? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let decided: GatewayError?? = state.withLock { state in
                    switch state {
                    case .decided(let outcome): return .some(outcome)
                    case .waiting:
                        state = .waiting(continuation)
                        return .none
                    }
                }
                if let decided { continuation.resume(returning: decided) }
            }
        } onCancel: {
            onCancel()
            open()
        }
    }
}
