import AsyncHTTPClient
import ChatterCore
import Foundation

/// Ollama's native chat API (github.com/ollama/ollama, docs/api.md `POST /api/chat`): newline-delimited JSON
/// when streaming; the final object carries `prompt_eval_count`, `eval_count` and the durations.
public struct OllamaProvider: ChatProvider {
    public let name: String
    public var genAISystem: String { "ollama" }
    private let baseURL: String
    private let http: UpstreamHTTP
    private let estimator = TokenEstimator()

    public init(name: String = "ollama", baseURL: String, clients: UpstreamClients, requestTimeout: Duration) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = UpstreamHTTP(clients: clients, requestTimeout: requestTimeout, requestIDHeader: "x-request-id")
    }

    public func listModels() async throws -> [String]? {
        try await http.get("\(baseURL)/api/tags", headers: [])?["models"]?.elements?.compactMap { $0["name"]?.string ?? $0["model"]?.string }
    }

    public func complete(_ request: ChatRequest) async throws -> ChatCompletion {
        let response = try await http.post("\(baseURL)/api/chat", headers: [], body: Self.body(for: request, stream: false), stream: false)
        var reply = Reply()
        reply.add(try await http.json(response))
        return try reply.completion(request: request, estimator: estimator)
    }

    public func stream(_ request: ChatRequest, onDelta: @escaping @Sendable (ChatDelta) async -> Void) async throws -> ChatCompletion {
        let response = try await http.post("\(baseURL)/api/chat", headers: [], body: Self.body(for: request, stream: true), stream: false)
        var reply = Reply()
        try await http.lines(response, partial: { reply.text }) { line in
            if let error = line["error"]?.string { throw ProviderFailure(.http(status: 500), error, partialContent: reply.text) }
            let firstNewCall = reply.toolCalls.count
            let appended = reply.add(line)
            if !appended.isEmpty { await onDelta(.text(appended)) }
            for (index, call) in reply.toolCalls.enumerated().dropFirst(firstNewCall) {
                await onDelta(.toolCall(index: index, id: call.id, name: call.name, arguments: call.arguments))
            }
        }
        return try reply.completion(request: request, estimator: estimator)
    }

    struct Reply {
        var text = ""
        var toolCalls: [ToolCall] = []
        var final: JSONValue?

        /// Adds one line; returns the text it added.
        @discardableResult
        mutating func add(_ object: JSONValue) -> String {
            let appended = object["message"]?["content"]?.string ?? ""
            text += appended
            for call in object["message"]?["tool_calls"]?.elements ?? [] {
                toolCalls.append(
                    ToolCall(
                        id: call["id"]?.string ?? "call_\(toolCalls.count)", name: call["function"]?["name"]?.string ?? "",
                        arguments: (call["function"]?["arguments"] ?? .object([:])).jsonText
                    )
                )
            }
            if object["done"] == .bool(true) { final = object }
            return appended
        }

        func completion(request: ChatRequest, estimator: TokenEstimator) throws -> ChatCompletion {
            guard let final else {
                throw ProviderFailure(.malformedResponse, "the answer ended before \"done\": true", partialContent: text)
            }
            let reason: String? =
                if !toolCalls.isEmpty { "tool_calls" } else if final["done_reason"]?.string == "length" { "length" } else { "stop" }
            return ChatCompletion(
                content: text, toolCalls: toolCalls, finishReason: reason,
                usage: Usage(ollama: final) ?? estimator.usage(messages: request.messages, output: text),
                upstreamRequestID: nil, responseModel: final["model"]?.string,
                // Nanoseconds on the wire.
                generationMicroseconds: final["eval_duration"]?.int64.flatMap { $0 > 0 ? max(1, $0 / 1000) : nil }
            )
        }
    }

    /// Ollama takes none of OpenAI's further fields (its own options are mapped from Chatter's).
    public func unsupportedFields(in request: ChatRequest) -> [UnsupportedField] { request.fieldsOnlyOpenAIServersTake }

    static func body(for request: ChatRequest, stream: Bool) -> JSONValue {
        var options: [String: JSONValue] = [:]
        if let temperature = request.temperature { options["temperature"] = .number(temperature) }
        if let topP = request.topP { options["top_p"] = .number(topP) }
        if let maxTokens = request.maxTokens { options["num_predict"] = .number(Double(maxTokens)) }
        if !request.stop.isEmpty { options["stop"] = .array(request.stop.map(JSONValue.string)) }
        var body: [String: JSONValue] = [
            "model": .string(request.model), "stream": .bool(stream),
            "messages": .array(
                request.messages.map { message in
                    var object: [String: JSONValue] = ["role": .string(message.role.rawValue), "content": .string(message.content)]
                    if !message.toolCalls.isEmpty {
                        object["tool_calls"] = .array(
                            message.toolCalls.map { .object(["function": .object(["name": .string($0.name), "arguments": .parsing($0.arguments)])]) }
                        )
                    }
                    return .object(object)
                }
            ),
        ]
        if !options.isEmpty { body["options"] = .object(options) }
        if !request.tools.isEmpty { body["tools"] = OpenAICompatibleProvider.body(for: request, stream: false)["tools"] }
        return .object(body)
    }
}
