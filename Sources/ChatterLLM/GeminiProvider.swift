import AsyncHTTPClient
import ChatterCore
import Foundation

/// Gemini API `generateContent` / `streamGenerateContent` (ai.google.dev/api/generate-content).
public struct GeminiProvider: ChatProvider {
    public let name: String
    public var genAISystem: String { "gcp.gemini" }
    private let baseURL: String
    private let apiKey: String?
    private let http: UpstreamHTTP
    private let estimator = TokenEstimator()

    public init(name: String = "gemini", baseURL: String, apiKey: String?, clients: UpstreamClients, requestTimeout: Duration) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.http = UpstreamHTTP(clients: clients, requestTimeout: requestTimeout, requestIDHeader: "x-request-id")
    }

    private var headers: [(String, String)] { apiKey.map { [("x-goog-api-key", $0)] } ?? [] }

    public func listModels() async throws -> [String]? {
        let list = try await http.get("\(baseURL)/v1beta/models?pageSize=1000", headers: headers)
        return list?["models"]?.elements?.compactMap { model -> String? in
            let methods = model["supportedGenerationMethods"]?.elements?.compactMap(\.string) ?? ["generateContent"]
            guard methods.contains("generateContent"), let name = model["name"]?.string else { return nil }
            return name.hasPrefix("models/") ? String(name.dropFirst(7)) : name
        }
    }

    public func complete(_ request: ChatRequest) async throws -> ChatCompletion {
        let url = "\(baseURL)/v1beta/models/\(try Self.pathSegment(request.model)):generateContent"
        let response = try await http.post(url, headers: headers, body: Self.body(for: request), stream: false)
        var reply = Reply()
        reply.add(try await http.json(response))
        return reply.completion(request: request, requestID: http.requestID(of: response), estimator: estimator)
    }

    public func stream(_ request: ChatRequest, onDelta: @escaping @Sendable (ChatDelta) async -> Void) async throws -> ChatCompletion {
        let url = "\(baseURL)/v1beta/models/\(try Self.pathSegment(request.model)):streamGenerateContent?alt=sse"
        let response = try await http.post(url, headers: headers, body: Self.body(for: request), stream: true)
        var reply = Reply()
        try await http.events(response, partial: { reply.text }, reported: { Usage(gemini: reply.usage) }) { event in
            guard let chunk = try? JSONValue(parsing: event.data.utf8) else {
                throw ProviderFailure(.malformedResponse, "a stream chunk is not JSON", partialContent: reply.text)
            }
            if let error = chunk["error"] {
                throw ProviderFailure(.http(status: Int(error["code"]?.int64 ?? 500)), error["message"]?.string ?? "error in stream", partialContent: reply.text)
            }
            await reply.addStreamed(chunk, onDelta: onDelta)
        }
        guard reply.finishReason != nil else {
            throw ProviderFailure(
                .malformedResponse, "the stream ended before a finish reason", upstreamRequestID: http.requestID(of: response),
                partialContent: reply.text, reportedUsage: Usage(gemini: reply.usage)
            )
        }
        return reply.completion(request: request, requestID: http.requestID(of: response), estimator: estimator)
    }

    /// One answer built from one response or from stream chunks. Text and function calls arrive as new parts
    /// in each chunk; `usageMetadata` is cumulative, so the last one is the call's usage.
    struct Reply {
        var text = ""
        var toolCalls: [ToolCall] = []
        var finishReason: String?
        var usage: JSONValue?
        var model: String?
        var responseID: String?

        mutating func addStreamed(_ chunk: JSONValue, onDelta: @escaping @Sendable (ChatDelta) async -> Void) async {
            let firstNewCall = toolCalls.count
            let appended = add(chunk)
            if !appended.isEmpty { await onDelta(.text(appended)) }
            for (index, call) in toolCalls.enumerated().dropFirst(firstNewCall) {
                await onDelta(.toolCall(index: index, id: call.id, name: call.name, arguments: call.arguments))
            }
        }

        /// Adds one response or chunk; returns the text it added.
        @discardableResult
        mutating func add(_ chunk: JSONValue) -> String {
            if let metadata = chunk["usageMetadata"] { usage = metadata }
            model = chunk["modelVersion"]?.string ?? model
            responseID = chunk["responseId"]?.string ?? responseID
            guard let candidate = chunk["candidates"]?.elements?.first else { return "" }
            var appended = ""
            for part in candidate["content"]?["parts"]?.elements ?? [] where part["thought"] != .bool(true) {
                if let piece = part["text"]?.string { appended += piece }
                if let call = part["functionCall"] {
                    toolCalls.append(
                        ToolCall(
                            id: call["id"]?.string ?? "call_\(toolCalls.count)", name: call["name"]?.string ?? "",
                            arguments: (call["args"] ?? .object([:])).jsonText
                        )
                    )
                }
            }
            text += appended
            if let reason = candidate["finishReason"]?.string { finishReason = reason }
            return appended
        }

        func completion(request: ChatRequest, requestID: String?, estimator: TokenEstimator) -> ChatCompletion {
            ChatCompletion(
                content: text, toolCalls: toolCalls, finishReason: GeminiProvider.finishReason(finishReason, calledTools: !toolCalls.isEmpty),
                usage: Usage(gemini: usage) ?? estimator.usage(messages: request.messages, output: text),
                upstreamRequestID: requestID ?? responseID, responseModel: model
            )
        }
    }

    /// The model name goes into the URL path (with the server's key attached): letters, digits, `-._` only.
    static func pathSegment(_ model: String) throws -> String {
        let allowed = model.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._".unicodeScalars.contains($0)) }
        guard allowed, !model.isEmpty else { throw ProviderFailure(.http(status: 404), "'\(model)' is not a Gemini model name") }
        return model
    }

    static func finishReason(_ reason: String?, calledTools: Bool) -> String? {
        if calledTools { return "tool_calls" }
        switch reason {
        case "STOP": return "stop"
        case "MAX_TOKENS": return "length"
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII": return "content_filter"
        case let other: return other?.lowercased()
        }
    }

    static func body(for request: ChatRequest) -> JSONValue {
        // A tool result names its function; Gemini matches results by name, so find it from the call's id.
        var functionNames: [String: String] = [:]
        for message in request.messages { for call in message.toolCalls { functionNames[call.id] = call.name } }
        let contents: [JSONValue] = request.messages.filter { $0.role != .system }.map { message in
            switch message.role {
            case .tool:
                let name = functionNames[message.toolCallID ?? ""] ?? message.toolCallID ?? ""
                return .object([
                    "role": .string("user"),
                    "parts": .array([.object(["functionResponse": .object(["name": .string(name), "response": .object(["content": .parsing(message.content)])])])]),
                ])
            case .assistant:
                var parts: [JSONValue] = message.content.isEmpty ? [] : [.object(["text": .string(message.content)])]
                parts += message.toolCalls.map { .object(["functionCall": .object(["name": .string($0.name), "args": .parsing($0.arguments)])]) }
                return .object(["role": .string("model"), "parts": .array(parts)])
            default:
                return .object(["role": .string("user"), "parts": .array([.object(["text": .string(message.content)])])])
            }
        }
        var body: [String: JSONValue] = ["contents": .array(contents)]
        if let system = request.systemText { body["systemInstruction"] = .object(["parts": .array([.object(["text": .string(system)])])]) }
        var generation: [String: JSONValue] = [:]
        if let temperature = request.temperature { generation["temperature"] = .number(temperature) }
        if let topP = request.topP { generation["topP"] = .number(topP) }
        if let maxTokens = request.maxTokens { generation["maxOutputTokens"] = .number(Double(maxTokens)) }
        if !request.stop.isEmpty { generation["stopSequences"] = .array(request.stop.map(JSONValue.string)) }
        if !generation.isEmpty { body["generationConfig"] = .object(generation) }
        if !request.tools.isEmpty {
            body["tools"] = .array([
                .object([
                    "functionDeclarations": .array(
                        request.tools.map { tool in
                            var declaration: [String: JSONValue] = ["name": .string(tool.name)]
                            if let description = tool.description { declaration["description"] = .string(description) }
                            if let parameters = tool.parameters { declaration["parameters"] = parameters }
                            return .object(declaration)
                        }
                    )
                ])
            ])
        }
        let mode: String? =
            switch request.toolChoice {
            case .string("auto")?: "AUTO"
            case .string("none")?: "NONE"
            case .string("required")?, .object?: "ANY"
            default: nil
            }
        if let mode {
            var config: [String: JSONValue] = ["mode": .string(mode)]
            if let name = request.toolChoice?["function"]?["name"] { config["allowedFunctionNames"] = .array([name]) }
            body["toolConfig"] = .object(["functionCallingConfig": .object(config)])
        }
        return .object(body)
    }
}
