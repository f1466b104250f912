import AsyncHTTPClient
import ChatterCore
import Foundation

/// Anthropic Messages API (docs.anthropic.com/en/api/messages, streaming: /en/docs/build-with-claude/streaming).
public struct AnthropicProvider: ChatProvider {
    public let name: String
    public var genAISystem: String { "anthropic" }
    private let baseURL: String
    private let apiKey: String?
    private let http: UpstreamHTTP
    private let estimator = TokenEstimator()
    /// Anthropic requires `max_tokens`; this is sent when the caller gives none.
    static let defaultMaxTokens = 4096

    public init(name: String = "anthropic", baseURL: String, apiKey: String?, clients: UpstreamClients, requestTimeout: Duration) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.http = UpstreamHTTP(clients: clients, requestTimeout: requestTimeout, requestIDHeader: "request-id")
    }

    private var headers: [(String, String)] {
        [("anthropic-version", "2023-06-01")] + (apiKey.map { [("x-api-key", $0)] } ?? [])
    }

    /// Anthropic takes none of OpenAI's further fields, and temperatures from 0 to 1 only.
    public func unsupportedFields(in request: ChatRequest) -> [UnsupportedField] {
        request.fieldsOnlyOpenAIServersTake + ((request.temperature ?? 0) > 1 ? [UnsupportedField("temperature", "temperature above 1")] : [])
    }

    public func listModels() async throws -> [String]? {
        try await http.get("\(baseURL)/v1/models?limit=1000", headers: headers)?["data"]?.elements?.compactMap { $0["id"]?.string }
    }

    public func complete(_ request: ChatRequest) async throws -> ChatCompletion {
        let response = try await http.post("\(baseURL)/v1/messages", headers: headers, body: Self.body(for: request, stream: false), stream: false)
        let message = try await http.json(response)
        var text = ""
        var toolCalls: [ToolCall] = []
        for block in message["content"]?.elements ?? [] {
            switch block["type"]?.string {
            case "text": text += block["text"]?.string ?? ""
            case "tool_use":
                toolCalls.append(ToolCall(id: block["id"]?.string ?? "", name: block["name"]?.string ?? "", arguments: (block["input"] ?? .object([:])).jsonText))
            default: break  // thinking blocks are billed as output but are not the answer
            }
        }
        return ChatCompletion(
            content: text, toolCalls: toolCalls, finishReason: Self.finishReason(message["stop_reason"]?.string),
            usage: Usage(anthropic: message["usage"]) ?? estimator.usage(messages: request.messages, output: text),
            upstreamRequestID: http.requestID(of: response) ?? message["id"]?.string, responseModel: message["model"]?.string
        )
    }

    public func stream(_ request: ChatRequest, onDelta: @escaping @Sendable (ChatDelta) async -> Void) async throws -> ChatCompletion {
        let response = try await http.post("\(baseURL)/v1/messages", headers: headers, body: Self.body(for: request, stream: true), stream: true)
        var text = ""
        var tools = ToolCallAssembler()
        var toolIndexByBlock: [Int: Int] = [:]
        // message_start carries input and cache counts, each message_delta the cumulative output:
        // the latest value of every field wins, frames are never added up.
        var usage: JSONValue?
        var stopReason: String?
        var model: String?
        var messageID: String?
        var stopped = false
        try await http.events(response, partial: { text }, reported: { Usage(anthropic: usage) }) { event in
            guard let data = try? JSONValue(parsing: event.data.utf8) else {
                throw ProviderFailure(.malformedResponse, "a stream event is not JSON", partialContent: text)
            }
            switch data["type"]?.string {
            case "message_start":
                usage = data["message"]?["usage"]
                model = data["message"]?["model"]?.string
                messageID = data["message"]?["id"]?.string
            case "content_block_start":
                let block = data["content_block"]
                if block?["type"]?.string == "tool_use", let index = data["index"]?.int64 {
                    let toolIndex = toolIndexByBlock.count
                    toolIndexByBlock[Int(index)] = toolIndex
                    let delta = ChatDelta.toolCall(index: toolIndex, id: block?["id"]?.string, name: block?["name"]?.string, arguments: "")
                    tools.add(delta)
                    await onDelta(delta)
                }
            case "content_block_delta":
                let delta = data["delta"]
                if delta?["type"]?.string == "text_delta", let piece = delta?["text"]?.string {
                    text += piece
                    await onDelta(.text(piece))
                } else if delta?["type"]?.string == "input_json_delta", let index = data["index"]?.int64,
                    let toolIndex = toolIndexByBlock[Int(index)], let piece = delta?["partial_json"]?.string
                {
                    let delta = ChatDelta.toolCall(index: toolIndex, id: nil, name: nil, arguments: piece)
                    tools.add(delta)
                    await onDelta(delta)
                }
            case "message_delta":
                if let latest = data["usage"] { usage = (usage ?? .object([:])).overlaid(with: latest) }
                stopReason = data["delta"]?["stop_reason"]?.string ?? stopReason
            case "message_stop":
                stopped = true
            case "error":
                throw ProviderFailure(
                    .http(status: data["error"]?["type"]?.string == "overloaded_error" ? 529 : 500),
                    data["error"]?["message"]?.string ?? "error event in stream", partialContent: text, reportedUsage: Usage(anthropic: usage)
                )
            default:
                break  // ping, content_block_stop
            }
        }
        guard stopped else {
            throw ProviderFailure(
                .malformedResponse, "the stream ended before message_stop", upstreamRequestID: http.requestID(of: response),
                partialContent: text, reportedUsage: Usage(anthropic: usage)
            )
        }
        return ChatCompletion(
            content: text, toolCalls: tools.calls, finishReason: Self.finishReason(stopReason),
            usage: Usage(anthropic: usage) ?? estimator.usage(messages: request.messages, output: text),
            upstreamRequestID: http.requestID(of: response) ?? messageID, responseModel: model
        )
    }

    static func finishReason(_ stopReason: String?) -> String? {
        switch stopReason {
        case "end_turn", "stop_sequence", "pause_turn": "stop"
        case "max_tokens": "length"
        case "tool_use": "tool_calls"
        case "refusal": "content_filter"
        case let other: other
        }
    }

    static func body(for request: ChatRequest, stream: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(request.model), "max_tokens": .number(Double(request.maxTokens ?? defaultMaxTokens)),
            "messages": .array(request.messages.filter { $0.role != .system }.map(message)),
        ]
        if stream { body["stream"] = .bool(true) }
        if let system = request.systemText { body["system"] = .string(system) }
        if let temperature = request.temperature { body["temperature"] = .number(temperature) }
        if let topP = request.topP { body["top_p"] = .number(topP) }
        if !request.stop.isEmpty { body["stop_sequences"] = .array(request.stop.map(JSONValue.string)) }
        if !request.tools.isEmpty {
            body["tools"] = .array(
                request.tools.map { tool in
                    var definition: [String: JSONValue] = [
                        "name": .string(tool.name), "input_schema": tool.parameters ?? .object(["type": .string("object")]),
                    ]
                    if let description = tool.description { definition["description"] = .string(description) }
                    return .object(definition)
                }
            )
        }
        switch request.toolChoice {
        case .string("auto")?: body["tool_choice"] = .object(["type": .string("auto")])
        case .string("required")?: body["tool_choice"] = .object(["type": .string("any")])
        case .string("none")?: body["tool_choice"] = .object(["type": .string("none")])
        case .object? where request.toolChoice?["function"]?["name"]?.string != nil:
            body["tool_choice"] = .object(["type": .string("tool"), "name": request.toolChoice!["function"]!["name"]!])
        default: break
        }
        return .object(body)
    }

    /// Tool results travel as `tool_result` blocks of a user turn; assistant tool calls as `tool_use` blocks.
    static func message(_ message: ChatMessage) -> JSONValue {
        switch message.role {
        case .tool:
            return .object([
                "role": .string("user"),
                "content": .array([
                    .object(["type": .string("tool_result"), "tool_use_id": .string(message.toolCallID ?? ""), "content": .string(message.content)])
                ]),
            ])
        case .assistant where !message.toolCalls.isEmpty:
            var blocks: [JSONValue] = message.content.isEmpty ? [] : [.object(["type": .string("text"), "text": .string(message.content)])]
            blocks += message.toolCalls.map {
                .object(["type": .string("tool_use"), "id": .string($0.id), "name": .string($0.name), "input": .parsing($0.arguments)])
            }
            return .object(["role": .string("assistant"), "content": .array(blocks)])
        default:
            return .object(["role": .string(message.role == .assistant ? "assistant" : "user"), "content": .string(message.content)])
        }
    }
}
