import ChatterCore
import ChatterLLM
import HTTPTypes

/// An OpenAI Chat Completions request as the gateway reads it (platform.openai.com/docs/api-reference/chat/create).
/// Fields Chatter understands become `ChatRequest` fields; the rest travel on to OpenAI-compatible servers
/// untouched, and make any other provider refuse the request.
struct GatewayRequest {
    var model: String
    var stream: Bool
    /// Whether the client asked for the usage chunk at the end of a stream.
    var includeUsage: Bool
    var chat: ChatRequest

    /// Fields read here; everything else is `extra`.
    static let understood: Set<String> = [
        "model", "messages", "stream", "stream_options", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop",
        "tools", "tool_choice", "n",
    ]

    init(json: JSONValue) throws(GatewayError) {
        guard case .object(let body) = json else { throw .invalid("the body must be a JSON object", param: nil) }
        guard let model = body["model"]?.string, !model.isEmpty else { throw .invalid("'model' is required", param: "model") }
        guard case .array(let rawMessages)? = body["messages"], !rawMessages.isEmpty else {
            throw .invalid("'messages' must be a non-empty array", param: "messages")
        }
        self.model = model
        stream = try Self.bool(body["stream"], "stream") ?? false
        switch body["stream_options"] {
        case nil, .null?: break
        case .object?:
            guard stream else { throw .invalid("'stream_options' is only allowed when 'stream' is true", param: "stream_options") }
        default: throw .invalid("'stream_options' must be an object", param: "stream_options")
        }
        includeUsage = try Self.bool(body["stream_options"]?["include_usage"], "stream_options.include_usage") ?? false
        if let n = body["n"], n != .number(1), n != .null {
            throw .invalid("only n = 1 is supported", param: "n")
        }
        var messages: [ChatMessage] = []
        for (index, raw) in rawMessages.enumerated() { messages.append(try Self.message(raw, index: index)) }
        let temperature = try Self.number(body["temperature"], "temperature", range: 0...2)
        let topP = try Self.number(body["top_p"], "top_p", range: 0...1)
        // Both are checked; the newer name wins when both are given.
        let maxCompletionTokens = try Self.integer(body["max_completion_tokens"], "max_completion_tokens", range: 1...10_000_000)
        let maxTokens = try Self.integer(body["max_tokens"], "max_tokens", range: 1...10_000_000)
        let stop: [String]
        switch body["stop"] {
        case nil, .null?: stop = []
        case .string(let value)?: stop = [value]
        case .array(let values)?:
            stop = try values.map { value throws(GatewayError) in
                guard let text = value.string else { throw .invalid("'stop' must be a string or an array of strings", param: "stop") }
                return text
            }
        default: throw .invalid("'stop' must be a string or an array of strings", param: "stop")
        }
        let tools = try Self.tools(body["tools"])
        let toolChoice = try Self.toolChoice(body["tool_choice"], toolNames: Set(tools.map(\.name)))
        var extra: [String: JSONValue] = [:]
        // A field given as null is absent, as OpenAI reads it: SDKs and clients that send every field send nulls.
        for (key, value) in body where !Self.understood.contains(key) && value != .null { extra[key] = value }
        let nonText = rawMessages.contains { message in
            guard case .array(let parts)? = message["content"] else { return false }
            return parts.contains { $0["type"]?.string != "text" }
        }
        if case .object(var options)? = body["stream_options"] {
            options["include_usage"] = nil
            if !options.isEmpty { extra["stream_options"] = .object(options) }
        }
        chat = ChatRequest(
            model: model, messages: messages, temperature: temperature, topP: topP, maxTokens: maxCompletionTokens ?? maxTokens, stop: stop,
            tools: tools, toolChoice: toolChoice, extra: extra, rawMessages: .array(rawMessages)
        )
        chat.maxTokensAsCompletionTokens = maxCompletionTokens != nil
        chat.hasNonTextContent = nonText
    }

    static func message(_ value: JSONValue, index: Int) throws(GatewayError) -> ChatMessage {
        let param = "messages[\(index)]"
        guard let roleText = value["role"]?.string else { throw .invalid("\(param).role is required", param: "\(param).role") }
        let role: ChatMessage.Role
        switch roleText {
        case "system", "developer": role = .system
        case "user": role = .user
        case "assistant": role = .assistant
        case "tool": role = .tool
        default: throw .invalid("\(param).role '\(roleText)' is not one of system, developer, user, assistant, tool", param: "\(param).role")
        }
        let content: String
        switch value["content"] {
        case .string(let text)?: content = text
        case nil, .null?:
            guard role == .assistant else { throw .invalid("\(param).content is required", param: "\(param).content") }
            content = ""
        case .array(let parts)?:
            for (partIndex, part) in parts.enumerated() {
                let partParam = "\(param).content[\(partIndex)]"
                guard let type = part["type"]?.string else { throw .invalid("\(partParam).type is required", param: partParam) }
                if type == "text", part["text"]?.string == nil {
                    throw .invalid("\(partParam).text is required for a text part", param: "\(partParam).text")
                }
            }
            // Text parts are joined; other parts (images, audio) only reach OpenAI-compatible servers, verbatim
            // (`rawMessages`); for any other provider they are refused as unsupported, never dropped.
            content = parts.compactMap { part in part["type"]?.string == "text" ? part["text"]?.string : nil }.joined(separator: "\n")
        default: throw .invalid("\(param).content must be a string or an array of parts", param: "\(param).content")
        }
        var toolCalls: [ToolCall] = []
        if case .array(let calls)? = value["tool_calls"] {
            toolCalls = try calls.map { call throws(GatewayError) in
                guard let id = call["id"]?.string, let name = call["function"]?["name"]?.string else {
                    throw .invalid("\(param).tool_calls need an id and a function name", param: "\(param).tool_calls")
                }
                return ToolCall(id: id, name: name, arguments: call["function"]?["arguments"]?.string ?? "{}")
            }
        }
        let toolCallID = value["tool_call_id"]?.string
        if role == .tool && toolCallID == nil { throw .invalid("\(param).tool_call_id is required for a tool message", param: "\(param).tool_call_id") }
        return ChatMessage(role: role, content: content, toolCalls: toolCalls, toolCallID: toolCallID)
    }

    static func tools(_ value: JSONValue?) throws(GatewayError) -> [ToolDefinition] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else { throw .invalid("'tools' must be an array", param: "tools") }
        return try items.enumerated().map { index, item throws(GatewayError) in
            guard item["type"]?.string == "function", let name = item["function"]?["name"]?.string, !name.isEmpty else {
                throw .invalid("tools[\(index)] must be {\"type\": \"function\", \"function\": {\"name\": …}}", param: "tools[\(index)]")
            }
            return ToolDefinition(name: name, description: item["function"]?["description"]?.string, parameters: item["function"]?["parameters"])
        }
    }

    /// `none`, `auto`, `required`, or an object naming its `type`; a `function` one names one of the tools. Only
    /// with tools, as OpenAI requires.
    static func toolChoice(_ value: JSONValue?, toolNames: Set<String>) throws(GatewayError) -> JSONValue? {
        guard let value, value != .null else { return nil }
        guard !toolNames.isEmpty else { throw .invalid("'tool_choice' is only allowed when 'tools' are given", param: "tool_choice") }
        switch value {
        case .string("none"), .string("auto"), .string("required"): return value
        case .object:
            guard let type = value["type"]?.string else { throw .invalid("'tool_choice.type' is required", param: "tool_choice.type") }
            // Custom tools are not accepted (`tools` are functions), so a custom choice could name none.
            guard type != "custom" else {
                throw .invalid("'tool_choice' of type 'custom' needs custom tools, which are not supported", param: "tool_choice")
            }
            if type == "function" {
                guard let name = value["function"]?["name"]?.string else {
                    throw .invalid("'tool_choice.function.name' is required", param: "tool_choice.function.name")
                }
                guard toolNames.contains(name) else {
                    throw .invalid("'tool_choice.function.name' names '\(name)', which is not among the tools", param: "tool_choice.function.name")
                }
            }
            return value
        default: throw .invalid("'tool_choice' must be none, auto, required or an object naming a tool", param: "tool_choice")
        }
    }

    static func bool(_ value: JSONValue?, _ name: String) throws(GatewayError) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw .invalid("'\(name)' must be a boolean", param: name)
        }
    }

    static func integer(_ value: JSONValue?, _ name: String, range: ClosedRange<Int>) throws(GatewayError) -> Int? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)?:
            if let integer = Int(exactly: number), range.contains(integer) { return integer }
            fallthrough
        default: throw .invalid("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)", param: name)
        }
    }

    static func number(_ value: JSONValue?, _ name: String, range: ClosedRange<Double>) throws(GatewayError) -> Double? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)? where range.contains(number): return number
        default: throw .invalid("'\(name)' must be a number from \(range.lowerBound) to \(range.upperBound)", param: name)
        }
    }
}

/// An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`, what OpenAI SDKs expect.
struct GatewayError: Error {
    var status: Int
    var message: String
    var type: String
    var param: String?
    var code: String?
    /// Seconds the client should wait before trying again (`Retry-After`), as the provider asked.
    var retryAfter: String?

    static func invalid(_ message: String, param: String?) -> GatewayError {
        GatewayError(status: 400, message: message, type: "invalid_request_error", param: param, code: nil)
    }

    init(status: Int, message: String, type: String, param: String?, code: String?) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    init(_ error: ChatterError) {
        let status = Problem.status(of: error.kind).code
        let type: String =
            switch error.kind {
            case .unauthorized: "authentication_error"
            case .forbidden: "permission_error"
            case .notFound, .unknownModel: "invalid_request_error"
            case .upstreamRateLimited: "rate_limit_error"
            case .upstreamError, .upstreamTimeout, .unavailable, .internalError: "api_error"
            default: "invalid_request_error"
            }
        let code: String? =
            switch error.kind {
            case .unknownModel: "model_not_found"
            case .unauthorized: "invalid_api_key"
            default: nil
            }
        let param: String? = error.kind == .unknownModel ? "model" : nil
        self.init(status: error.kind == .unknownModel ? 404 : status, message: error.detail, type: type, param: param, code: code)
        retryAfter = error.extensions[ChatterError.retryAfterKey]
    }

    var json: JSONValue {
        .object([
            "error": .object([
                "message": .string(message), "type": .string(type), "param": param.map(JSONValue.string) ?? .null,
                "code": code.map(JSONValue.string) ?? .null,
            ])
        ])
    }
}
