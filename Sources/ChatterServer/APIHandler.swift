import ChatterAPI
import ChatterCore
import ChatterStore
import Foundation
import OpenAPIRuntime

/// The JSON API, implementing the protocol generated from `openapi.yaml`. Handlers read the caller from
/// `RequestScope`, call the stores and services, and map domain values to the generated wire types.
struct APIHandler: APIProtocol {
    let runtime: ChatterRuntime

    func createConversation(_ input: Operations.CreateConversation.Input) async throws -> Operations.CreateConversation.Output {
        let identity = try RequestScope.caller()
        guard case .json(let body) = input.body else { throw ChatterError.invalid("expected a JSON body") }
        try Self.validateTitle(body.title)
        try Self.validateSystemPrompt(body.systemPrompt)
        if let model = body.model { try await runtime.chat.validateModel(model) }
        let mode = body.mode.flatMap { ConversationMode(rawValue: $0.rawValue) } ?? .assistant
        if mode == .observe, body.model != nil || body.systemPrompt != nil {
            throw ChatterError.invalid("an observed conversation gets no LLM reply, so it takes no model or system_prompt")
        }
        let conversation = try await runtime.conversations.create(
            owner: identity, title: body.title, model: body.model, systemPrompt: body.systemPrompt, mode: mode,
            correlationID: RequestScope.requestID
        )
        return .created(.init(body: .json(.init(conversation))))
    }

    func listConversations(_ input: Operations.ListConversations.Input) async throws -> Operations.ListConversations.Output {
        let identity = try RequestScope.caller()
        let limit = input.query.limit ?? 50
        guard (1...200).contains(limit) else { throw ChatterError.invalid("limit must be between 1 and 200") }
        if let cursor = input.query.cursor, !Identifier.isWellFormed(cursor) {
            throw ChatterError.invalid("cursor must be a next_cursor this API returned")
        }
        let page = try await runtime.conversations.list(for: identity, limit: limit, cursor: input.query.cursor)
        return .ok(.init(body: .json(.init(data: page.items.map(Schemas.Conversation.init), nextCursor: page.nextCursor))))
    }

    func getConversation(_ input: Operations.GetConversation.Input) async throws -> Operations.GetConversation.Output {
        let conversation = try await runtime.conversations.get(id: input.path.id, for: try RequestScope.caller())
        return .ok(.init(body: .json(.init(conversation))))
    }

    func updateConversation(_ input: Operations.UpdateConversation.Input) async throws -> Operations.UpdateConversation.Output {
        let identity = try RequestScope.caller()
        guard case .json(let body) = input.body else { throw ChatterError.invalid("expected a JSON body") }
        try Self.validateTitle(body.title)
        try Self.validateSystemPrompt(body.systemPrompt)
        if let model = body.model, !model.isEmpty { try await runtime.chat.validateModel(model) }
        // An empty string clears a field; an absent field is left as it is.
        func change(_ value: String?) -> String?? {
            guard let value else { return .none }
            return .some(value.isEmpty ? nil : value)
        }
        let conversation = try await runtime.conversations.update(
            id: input.path.id, for: identity, title: change(body.title), model: change(body.model), systemPrompt: change(body.systemPrompt)
        )
        return .ok(.init(body: .json(.init(conversation))))
    }

    func deleteConversation(_ input: Operations.DeleteConversation.Input) async throws -> Operations.DeleteConversation.Output {
        try await runtime.conversations.delete(id: input.path.id, for: try RequestScope.caller())
        return .noContent(.init())
    }

    func listMessages(_ input: Operations.ListMessages.Input) async throws -> Operations.ListMessages.Output {
        let identity = try RequestScope.caller()
        let limit = input.query.limit ?? 200
        guard (1...1000).contains(limit) else { throw ChatterError.invalid("limit must be between 1 and 1000") }
        let afterSeq = input.query.afterSeq ?? 0
        guard afterSeq >= 0 else { throw ChatterError.invalid("after_seq must not be negative") }
        let messages = try await runtime.conversations.messages(conversationID: input.path.id, for: identity, afterSeq: afterSeq, limit: limit)
        let annotations = try await runtime.intel.annotations(messageIDs: messages.map(\.id), tenantID: identity.tenantID)
        return .ok(.init(body: .json(.init(data: messages.map { Schemas.Message($0, annotations: annotations[$0.id]) }))))
    }

    func sendMessage(_ input: Operations.SendMessage.Input) async throws -> Operations.SendMessage.Output {
        let identity = try RequestScope.caller()
        guard case .json(let body) = input.body else { throw ChatterError.invalid("expected a JSON body") }
        let offered = input.headers.accept
        if let role = body.role, role != .user {
            guard Self.accepts(offered, .json) else { throw Self.notAcceptable("the reply is application/json") }
            return try await recordObserved(input, body: body, role: role == .customer ? .customer : .agent, identity: identity)
        }
        guard body.author == nil else {
            throw ChatterError.invalid("author names the speaker of an observed message (role customer or agent); a chat turn's is the caller")
        }
        // Without an Accept header the generated input lists every type, so only an Accept that names
        // text/event-stream and not JSON asks for a stream.
        let named = offered.filter { $0.quality.doubleValue > 0 }.map(\.contentType)
        let wantsStream = body.stream ?? (named.contains(.textEventStream) && !named.contains(.json))
        // Checked before the turn starts, so that a refused reply writes nothing.
        guard Self.accepts(offered, wantsStream ? .textEventStream : .json) else {
            throw Self.notAcceptable(wantsStream ? "a streamed reply is text/event-stream" : "the reply is application/json")
        }
        let request = ChatService.TurnRequest(
            content: body.content, model: body.model, temperature: body.temperature, maxTokens: body.maxTokens, stream: wantsStream
        )
        let turn = try await runtime.chat.prepare(
            conversationID: input.path.id, request: request, identity: identity, correlationID: RequestScope.requestID
        )
        if wantsStream {
            return .ok(.init(body: .textEventStream(ChatEventStream.start(turn, chat: runtime.chat, work: runtime.work))))
        }
        // The turn runs in its own task so that nothing the client does can cut the ledger's transaction short.
        let chat = runtime.chat
        let clientGone = ClientPresence.currentlyGone
        let completed = try await runtime.work.run { try await chat.run(turn, clientGone: clientGone) }.value
        return .ok(
            .init(
                body: .json(
                    .init(
                        executionId: completed.call.executionID,
                        llmCallId: completed.call.llmCallID,
                        userMessage: .init(completed.call.userMessage!),
                        assistantMessage: .init(completed.assistantMessage),
                        conversation: .init(completed.conversation)
                    )
                )
            )
        )
    }

    /// Whether an `Accept` list takes `type`: the most specific range that covers it decides (the type itself, then
    /// `major/*`, then `*/*`), and q=0 means refused; an empty list takes anything.
    static func accepts(
        _ offered: [AcceptHeaderContentType<Operations.SendMessage.AcceptableContentType>], _ type: Operations.SendMessage.AcceptableContentType
    ) -> Bool {
        guard !offered.isEmpty else { return true }
        func quality(of range: String) -> Double? {
            offered.filter { $0.contentType.rawValue == range }.map(\.quality.doubleValue).max()
        }
        let major = "\(type.rawValue.split(separator: "/")[0])/*"
        return (quality(of: type.rawValue) ?? quality(of: major) ?? quality(of: "*/*") ?? 0) > 0
    }

    /// A `group_by` list: names separated by commas, each once; an empty name (`group_by=,`) is a mistake.
    static func groupBy<Dimension: RawRepresentable<String> & Equatable>(_ text: String?, accepted: String) throws -> [Dimension] {
        guard let text else { return [] }
        var dimensions: [Dimension] = []
        for name in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let dimension = Dimension(rawValue: name) else {
                throw ChatterError.invalid("group_by accepts \(accepted), separated by commas (got \"\(name)\")")
            }
            guard !dimensions.contains(dimension) else { throw ChatterError.invalid("group_by names \(name) twice") }
            dimensions.append(dimension)
        }
        return dimensions
    }

    static func notAcceptable(_ what: String) -> ChatterError {
        ChatterError(.notAcceptable, "\(what), which the Accept header excludes")
    }

    static func validateTitle(_ title: String?) throws {
        if let title, title.count > 500 { throw ChatterError.invalid("title must be at most 500 characters") }
    }

    /// As long as a message may be: the prompt goes with every turn of the conversation.
    static func validateSystemPrompt(_ prompt: String?) throws {
        if let prompt, prompt.count > ChatService.maxContentCharacters {
            throw ChatterError.invalid("system_prompt must be at most \(ChatService.maxContentCharacters) characters")
        }
    }
}
