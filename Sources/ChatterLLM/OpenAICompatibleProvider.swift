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

    public init(configuration: Configuration, client: HTTPClient) {
        self.configuration = configuration
        self.http = UpstreamHTTP(client: client, requestTimeout: configuration.requestTimeout, requestIDHeader: "x-request-id")
    }

    private var headers: [(String, String)] {
        configuration.apiKey.flatMap { $0.isEmpty ? nil : [("Authorization", "Bearer \($0)")] } ?? []
    }

    /// An OpenAI-compatible server takes every Chat Completions field as it is.
    public func unsupportedFields(in request: ChatRequest) -> [String] { [] }

    public func listModels() async throws -> [String]? {
        try await http.get("\(configuration.baseURL)/models", headers: headers)?["data"]?.elements?.compactMap { $0["id"]?.string }
    }

    public func complete(_ request: ChatRequest) async throws -> ChatCompletion {
        let response = try await send(request, stream: false)
        let requestID = http.requestID(of: response)
        let decoded = try await http.decode(CompletionChunk.self, from: response)
        let choice = decoded.choices.first
        let content = choice?.message?.content ?? ""
        let toolCalls = (choice?.message?.toolCalls ?? []).map {
            ToolCall(id: $0.id ?? "", name: $0.function?.name ?? "", arguments: $0.function?.arguments ?? "")
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
            guard let chunk = try? JSONDecoder().decode(CompletionChunk.self, from: Data(event.data.utf8)) else {
                if let error = try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(event.data.utf8)) {
                    throw ProviderFailure(.http(status: 502), error.error.message ?? "error event in stream", partialContent: content)
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
                        index: call.index ?? 0, id: call.id, name: call.function?.name, arguments: call.function?.arguments ?? ""
                    )
                    toolCalls.add(delta)
                    await onDelta(delta)
                }
                if let reason = choice.finishReason { finishReason = reason }
            }
        }

        try await http.events(response, partial: { content }) { event in try await handle(event) }
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

    /// Both the non-streaming completion object and a streaming chunk.
    struct CompletionChunk: Decodable {
        struct Choice: Decodable {
            struct Content: Decodable {
                struct Call: Decodable {
                    struct Function: Decodable {
                        var name: String?
                        var arguments: String?
                    }
                    var index: Int?
                    var id: String?
                    var function: Function?
                }
                var content: String?
                var toolCalls: [Call]?
                enum CodingKeys: String, CodingKey {
                    case content
                    case toolCalls = "tool_calls"
                }
            }
            var index: Int?
            var message: Content?
            var delta: Content?
            var finishReason: String?
            enum CodingKeys: String, CodingKey {
                case index, message, delta
                case finishReason = "finish_reason"
            }
        }

        var id: String?
        var model: String?
        var choices: [Choice]
        var usage: JSONValue?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decodeIfPresent(String.self, forKey: .id)
            model = try container.decodeIfPresent(String.self, forKey: .model)
            choices = try container.decode([Choice].self, forKey: .choices)
            usage = try container.decodeIfPresent(JSONValue.self, forKey: .usage)
        }

        enum CodingKeys: String, CodingKey { case id, model, choices, usage }
    }

    struct ErrorEnvelope: Decodable {
        struct Body: Decodable { var message: String? }
        var error: Body
    }
}
