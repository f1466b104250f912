import AsyncHTTPClient
import ChatterCore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// OpenAI Chat Completions, and every server that speaks it (Ollama's `/v1`, vLLM, llama.cpp server, LM Studio).
public struct OpenAICompatibleProvider: ChatProvider {
    public struct Configuration: Sendable {
        public var name: String
        /// Base URL including the version path, e.g. `https://api.openai.com/v1`.
        public var baseURL: String
        public var apiKey: String?
        /// How long a whole call may take, streaming included.
        public var requestTimeout: Duration

        public init(name: String = "openai", baseURL: String, apiKey: String?, requestTimeout: Duration = .seconds(600)) {
            self.name = name
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.apiKey = apiKey
            self.requestTimeout = requestTimeout
        }
    }

    public var name: String { configuration.name }
    public var genAISystem: String { "openai" }
    private let configuration: Configuration
    private let http: UpstreamHTTP
    private let estimator = TokenEstimator()

    public init(configuration: Configuration, clients: UpstreamClients) {
        self.configuration = configuration
        self.http = UpstreamHTTP(clients: clients, requestTimeout: configuration.requestTimeout, requestIDHeader: "x-request-id")
    }

    private var headers: [(String, String)] {
        configuration.apiKey.flatMap { $0.isEmpty ? nil : [("Authorization", "Bearer \($0)")] } ?? []
    }

    /// An OpenAI-compatible server takes every Chat Completions field as it is.
    public func unsupportedFields(in request: ChatRequest) -> [UnsupportedField] { [] }

    public func listModels() async throws -> [String]? {
        try await http.get("\(configuration.baseURL)/models", headers: headers)?["data"]?.elements?.compactMap { $0["id"]?.string }
    }

    public func complete(_ request: ChatRequest) async throws -> ChatCompletion {
        try await completion(from: send(request, stream: false), for: request)
    }

    /// A whole Chat Completions object, as a non-streamed call (or a server that ignores `stream`) answers.
    private func completion(from response: HTTPClientResponse, for request: ChatRequest) async throws -> ChatCompletion {
        let requestID = http.requestID(of: response)
        let json = try await http.json(response)
        guard let decoded = CompletionChunk(json) else {
            throw ProviderFailure(.malformedResponse, "the body is not a Chat Completions object", upstreamRequestID: requestID)
        }
        let choice = decoded.choices.first
        let content = choice?.message?.content ?? ""
        let toolCalls = (choice?.message?.toolCalls ?? []).map {
            ToolCall(id: $0.id ?? "", name: $0.name ?? "", arguments: $0.arguments ?? "")
        }
        let usage = Usage(openAI: decoded.usage) ?? estimator.usage(messages: request.messages, output: content)
        return ChatCompletion(
            content: content,
            toolCalls: toolCalls,
            finishReason: choice?.finishReason,
            usage: usage,
            upstreamRequestID: requestID ?? decoded.id,
            responseModel: decoded.model
        )
    }

    public func stream(_ request: ChatRequest, onDelta: @escaping @Sendable (ChatDelta) async -> Void) async throws -> ChatCompletion {
        let response = try await send(request, stream: true)
        // A server that does not stream answers with the whole object: its content is the one delta, its usage counts.
        if response.headers.first(name: "content-type")?.lowercased().hasPrefix("application/json") == true {
            let whole = try await completion(from: response, for: request)
            if !whole.content.isEmpty { await onDelta(.text(whole.content)) }
            for (index, call) in whole.toolCalls.enumerated() {
                await onDelta(.toolCall(index: index, id: call.id, name: call.name, arguments: call.arguments))
            }
            return whole
        }
        var upstreamRequestID = http.requestID(of: response)
        var content = ""
        var toolCalls = ToolCallAssembler()
        var finishReason: String?
        var responseModel: String?
        var usage: Usage?
        var sawDone = false

        func handle(_ event: ServerSentEventParser.Event) async throws {
            if event.data == "[DONE]" {
                sawDone = true
                return
            }
            let json = try? JSONValue(parsing: event.data.utf8)
            guard let json, let chunk = CompletionChunk(json) else {
                if let json, let message = Self.errorMessage(in: json) {
                    throw ProviderFailure(.http(status: 502), message ?? "error event in stream", partialContent: content)
                }
                throw ProviderFailure(.malformedResponse, "a stream event is not a Chat Completions chunk", partialContent: content)
            }
            upstreamRequestID = upstreamRequestID ?? chunk.id
            responseModel = chunk.model ?? responseModel
            // Servers that report usage on every chunk report it cumulatively: the last one wins.
            if let reported = Usage(openAI: chunk.usage) { usage = reported }
            for choice in chunk.choices where choice.index ?? 0 == 0 {
                if let delta = choice.delta?.content, !delta.isEmpty {
                    content += delta
                    await onDelta(.text(delta))
                }
                for call in choice.delta?.toolCalls ?? [] {
                    let delta = ChatDelta.toolCall(
                        index: call.index ?? 0, id: call.id, name: call.name, arguments: call.arguments ?? ""
                    )
                    toolCalls.add(delta)
                    await onDelta(delta)
                }
                if let reason = choice.finishReason { finishReason = reason }
            }
        }

        try await http.events(response, partial: { content }, reported: { usage }) { event in try await handle(event) }
        guard sawDone || finishReason != nil else {
            throw ProviderFailure(
                .malformedResponse, "the stream ended before the model finished",
                upstreamRequestID: upstreamRequestID, partialContent: content, reportedUsage: usage
            )
        }
        return ChatCompletion(
            content: content,
            toolCalls: toolCalls.calls,
            finishReason: finishReason,
            usage: usage ?? estimator.usage(messages: request.messages, output: content),
            upstreamRequestID: upstreamRequestID,
            responseModel: responseModel
        )
    }

    private func send(_ chatRequest: ChatRequest, stream: Bool) async throws -> HTTPClientResponse {
        try await http.post(
            "\(configuration.baseURL)/chat/completions", headers: headers, body: Self.body(for: chatRequest, stream: stream), stream: stream
        )
    }
}

// Wire format: platform.openai.com/docs/api-reference/chat
extension OpenAICompatibleProvider {
    /// The request body: Chatter's fields, then any further Chat Completions fields the caller gave, as given.
    /// Streams always ask for the final usage chunk.
    static func body(for request: ChatRequest, stream: Bool) -> JSONValue {
        var body = request.extra
        body["model"] = .string(request.model)
        body["messages"] = request.rawMessages ?? .array(request.messages.map(message))
        body["stream"] = .bool(stream)
        if stream {
            var options: [String: JSONValue] = [:]
            if case .object(let given) = body["stream_options"] { options = given }
            options["include_usage"] = JSONValue.bool(true)
            body["stream_options"] = JSONValue.object(options)
        }
        if let temperature = request.temperature { body["temperature"] = .number(temperature) }
        if let topP = request.topP { body["top_p"] = .number(topP) }
        if let maxTokens = request.maxTokens {
            body[request.maxTokensAsCompletionTokens ? "max_completion_tokens" : "max_tokens"] = .number(Double(maxTokens))
        }
        if !request.stop.isEmpty { body["stop"] = .array(request.stop.map(JSONValue.string)) }
        if !request.tools.isEmpty {
            body["tools"] = .array(
                request.tools.map { tool in
                    var function: [String: JSONValue] = ["name": .string(tool.name)]
                    if let description = tool.description { function["description"] = .string(description) }
                    if let parameters = tool.parameters { function["parameters"] = parameters }
                    return .object(["type": .string("function"), "function": .object(function)])
                }
            )
        }
        if let toolChoice = request.toolChoice { body["tool_choice"] = toolChoice }
        return .object(body)
    }

    static func message(_ message: ChatMessage) -> JSONValue {
        var object: [String: JSONValue] = ["role": .string(message.role.rawValue), "content": .string(message.content)]
        if !message.toolCalls.isEmpty {
            if message.content.isEmpty { object["content"] = .null }
            object["tool_calls"] = .array(
                message.toolCalls.map { call in
                    .object([
                        "id": .string(call.id), "type": .string("function"),
                        "function": .object(["name": .string(call.name), "arguments": .string(call.arguments)]),
                    ])
                }
            )
        }
        if let toolCallID = message.toolCallID { object["tool_call_id"] = .string(toolCallID) }
        return .object(object)
    }

    /// Both the non-streaming completion object and a streaming chunk, read from parsed JSON (not Codable, whose
    /// decoder was 4% of a chat turn's CPU). A field that is present with the wrong type makes the whole chunk
    /// malformed, as decoding did; `choices` is required.
    struct CompletionChunk {
        struct Choice {
            struct Content {
                struct Call {
                    var index: Int?
                    var id: String?
                    var name: String?
                    var arguments: String?
                }
                var content: String?
                var toolCalls: [Call]?
            }
            var index: Int?
            var message: Content?
            var delta: Content?
            var finishReason: String?
        }

        var id: String?
        var model: String?
        var choices: [Choice]
        var usage: JSONValue?

        init?(_ json: JSONValue) {
            guard let chunk = Fields(json), let choices = chunk.array("choices") else { return nil }
            var read: [Choice] = []
            for value in choices {
                guard let choice = Fields(value), let index = choice.int("index"), let finishReason = choice.string("finish_reason"),
                    let message = choice.content("message"), let delta = choice.content("delta")
                else { return nil }
                read.append(Choice(index: index, message: message, delta: delta, finishReason: finishReason))
            }
            guard let id = chunk.string("id"), let model = chunk.string("model") else { return nil }
            self.id = id
            self.model = model
            self.choices = read
            self.usage = chunk.object["usage"].flatMap { $0 == .null ? nil : $0 }
        }

        /// An object's fields; each accessor answers nil when the field has the wrong type, and `.some(nil)` when it
        /// is absent or null.
        fileprivate struct Fields {
            let object: [String: JSONValue]

            init?(_ value: JSONValue) {
                guard case .object(let object) = value else { return nil }
                self.object = object
            }

            func string(_ key: String) -> String?? {
                switch object[key] {
                case nil, .null?: .some(.none)
                case .string(let text)?: .some(text)
                default: nil
                }
            }

            func int(_ key: String) -> Int?? {
                switch object[key] {
                case nil, .null?: .some(.none)
                case .number(let number)?: Int(exactly: number).map { .some($0) }
                default: nil
                }
            }

            func array(_ key: String) -> [JSONValue]? {
                if case .array(let elements)? = object[key] { return elements }
                return nil
            }

            /// A nested object's fields: `.some(nil)` when absent or null, nil when it is not an object.
            func fields(_ key: String) -> Fields?? {
                switch object[key] {
                case nil, .null?: .some(.none)
                case let value?: Fields(value).map { .some($0) }
                }
            }

            func content(_ key: String) -> Choice.Content?? {
                guard let fields = fields(key) else { return nil }
                guard let fields else { return .some(.none) }
                return Choice.Content(fields).map { .some($0) }
            }
        }
    }

    /// An error object sent in place of a chunk: `{"error": {"message": …}}`.
    static func errorMessage(in json: JSONValue) -> String?? {
        guard case .object? = json["error"] else { return nil }
        return .some(json["error"]?["message"]?.string)
    }
}

extension OpenAICompatibleProvider.CompletionChunk.Choice.Content {
    /// `content` and `tool_calls`, both optional; a call that is not well-formed makes the content malformed.
    fileprivate init?(_ fields: OpenAICompatibleProvider.CompletionChunk.Fields) {
        guard let content = fields.string("content") else { return nil }
        switch fields.object["tool_calls"] {
        case nil, .null?:
            self.init(content: content, toolCalls: nil)
        case .array(let elements)?:
            var calls: [Call] = []
            for element in elements {
                guard let call = OpenAICompatibleProvider.CompletionChunk.Fields(element).flatMap(Call.init) else { return nil }
                calls.append(call)
            }
            self.init(content: content, toolCalls: calls)
        default:
            return nil
        }
    }
}

extension OpenAICompatibleProvider.CompletionChunk.Choice.Content.Call {
    /// `index`, `id`, and the `function`'s `name` and `arguments`; in a stream each is sent once and then left out.
    fileprivate init?(_ call: OpenAICompatibleProvider.CompletionChunk.Fields) {
        guard let index = call.int("index"), let id = call.string("id"), let function = call.fields("function") else { return nil }
        switch function {
        case nil:
            self.init(index: index, id: id, name: nil, arguments: nil)
        case let function?:
            guard let name = function.string("name"), let arguments = function.string("arguments") else { return nil }
            self.init(index: index, id: id, name: name, arguments: arguments)
        }
    }
}
