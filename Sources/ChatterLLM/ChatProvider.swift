import ChatterCore
import Foundation

/// A tool the model may call, described by a JSON Schema of its arguments (OpenAI's function shape).
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var parameters: JSONValue?

    public init(name: String, description: String?, parameters: JSONValue?) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// A call of a tool by the model; `arguments` is JSON text as the model wrote it.
public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case system, user, assistant, tool
    }

    public var role: Role
    public var content: String
    /// The tools an assistant message called.
    public var toolCalls: [ToolCall]
    /// For a `tool` message: the call it answers.
    public var toolCallID: String?

    public init(role: Role, content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }
}

/// What Chatter asks of a model, whatever the provider.
public struct ChatRequest: Sendable {
    public var model: String
    public var messages: [ChatMessage]
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?
    /// OpenAI's newer name for the limit (`max_completion_tokens`, required by its reasoning models) was used.
    public var maxTokensAsCompletionTokens = false
    /// Some message carries images, audio or other non-text parts (kept in `rawMessages`).
    public var hasNonTextContent = false
    public var stop: [String]
    public var tools: [ToolDefinition]
    /// OpenAI's `tool_choice` value ("auto", "none", "required" or a named function).
    public var toolChoice: JSONValue?
    /// Further OpenAI Chat Completions fields, sent as they are to OpenAI-compatible servers; other
    /// providers refuse a request that carries any (see `ChatProvider.unsupportedFields`).
    public var extra: [String: JSONValue]
    /// The caller's `messages` exactly as sent (images, audio and all), for OpenAI-compatible servers;
    /// `messages` holds the same conversation as text for every other use.
    public var rawMessages: JSONValue?

    public init(
        model: String, messages: [ChatMessage], temperature: Double? = nil, topP: Double? = nil, maxTokens: Int? = nil,
        stop: [String] = [], tools: [ToolDefinition] = [], toolChoice: JSONValue? = nil, extra: [String: JSONValue] = [:],
        rawMessages: JSONValue? = nil
    ) {
        self.rawMessages = rawMessages
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
        self.tools = tools
        self.toolChoice = toolChoice
        self.extra = extra
    }

    /// The system prompt: every system message, in order.
    public var systemText: String? {
        let parts = messages.filter { $0.role == .system }.map(\.content)
        return parts.isEmpty ? nil : parts.joined(separator: "\n\n")
    }
}

/// A piece of a streamed answer.
public enum ChatDelta: Sendable, Equatable {
    case text(String)
    /// A fragment of the tool call at `index`: its id and name arrive first, the arguments in pieces.
    case toolCall(index: Int, id: String?, name: String?, arguments: String)
}

/// A finished call: the text, why it stopped, and its usage in Chatter's one `Usage` shape.
public struct ChatCompletion: Sendable {
    public var content: String
    public var toolCalls: [ToolCall]
    /// In OpenAI's vocabulary (`stop`, `length`, `tool_calls`, `content_filter`), whatever the provider said.
    public var finishReason: String?
    public var usage: Usage
    public var upstreamRequestID: String?
    /// The model the provider says answered (may differ from the requested alias).
    public var responseModel: String?
    /// How long the provider says generating the output took, when it says (Ollama's `eval_duration`).
    public var generationMicroseconds: Int64?

    public init(
        content: String, toolCalls: [ToolCall] = [], finishReason: String?, usage: Usage, upstreamRequestID: String?, responseModel: String?,
        generationMicroseconds: Int64? = nil
    ) {
        self.generationMicroseconds = generationMicroseconds
        self.content = content
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.usage = usage
        self.upstreamRequestID = upstreamRequestID
        self.responseModel = responseModel
    }
}

/// A call that failed. `partialContent` is what had already arrived when a stream broke,
/// so the ledger can estimate what was generated (and likely billed) before the failure.
public struct ProviderFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case http(status: Int)
        case timeout
        case transport
        case malformedResponse
    }

    public var kind: Kind
    public var message: String
    public var upstreamRequestID: String?
    public var partialContent: String
    public var reportedUsage: Usage?
    /// How long the provider asked us to wait (`Retry-After`), when it said.
    public var retryAfter: Duration?

    public init(
        _ kind: Kind, _ message: String, upstreamRequestID: String? = nil, partialContent: String = "", reportedUsage: Usage? = nil,
        retryAfter: Duration? = nil
    ) {
        self.kind = kind
        self.message = message
        self.upstreamRequestID = upstreamRequestID
        self.partialContent = partialContent
        self.reportedUsage = reportedUsage
        self.retryAfter = retryAfter
    }

    /// Rate limits and server errors may pass; anything else will fail the same way again.
    public var isRetryable: Bool {
        if case .http(let status) = kind { return status == 429 || (500...599).contains(status) }
        return false
    }

    /// `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3).
    public static func retryAfter(header: String?, now: Date = Date()) -> Duration? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Double(header), seconds.isFinite, seconds >= 0 { return .milliseconds(Int64(min(seconds, 86_400) * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return .milliseconds(Int64(min(max(0, date.timeIntervalSince(now)), 86_400) * 1000))
    }

    public var description: String {
        switch kind {
        case .http(let status): "upstream answered HTTP \(status): \(message)"
        case .timeout: "upstream timed out: \(message)"
        case .transport: "upstream connection failed: \(message)"
        case .malformedResponse: "upstream sent a malformed response: \(message)"
        }
    }
}

/// A provider adapter. Adapters are the only place that turn a provider's wire format into `Usage`.
public protocol ChatProvider: Sendable {
    var name: String { get }

    /// The product this adapter speaks to, as OpenTelemetry's `gen_ai.system` names it (`openai`, `anthropic`…).
    var genAISystem: String { get }

    /// The models the provider serves, or nil when it cannot list them.
    func listModels() async throws -> [String]?

    func complete(_ request: ChatRequest) async throws -> ChatCompletion

    /// Streams text deltas to `onDelta` and returns the completed call once the upstream has finished,
    /// reading to the end even if the consumer of the deltas has gone away.
    func stream(_ request: ChatRequest, onDelta: @escaping @Sendable (ChatDelta) async -> Void) async throws -> ChatCompletion

    /// The request's fields this provider cannot honour; a request naming any is refused before it is sent.
    func unsupportedFields(in request: ChatRequest) -> [UnsupportedField]
}

extension ChatProvider {
    public func unsupportedFields(in request: ChatRequest) -> [UnsupportedField] {
        request.fieldsOnlyOpenAIServersTake
    }
}

/// A request field a provider cannot honour: the field as OpenAI's API names it (an error's `param`) and what of it.
public struct UnsupportedField: Sendable, Equatable, CustomStringConvertible {
    public var param: String
    public var description: String

    public init(_ param: String, _ description: String? = nil) {
        self.param = param
        self.description = description ?? param
    }
}

extension ChatRequest {
    /// What only an OpenAI-compatible server can take as given: further fields, non-text message parts, and a
    /// `tool_choice` object other than a named function (`allowed_tools`), which the other providers' tool modes
    /// cannot express.
    public var fieldsOnlyOpenAIServersTake: [UnsupportedField] {
        var fields = extra.keys.sorted().map { UnsupportedField($0) }
        if hasNonTextContent { fields.append(UnsupportedField("messages", "non-text message content")) }
        if let type = toolChoice?["type"]?.string, type != "function" {
            fields.append(UnsupportedField("tool_choice", "tool_choice of type '\(type)'"))
        }
        return fields
    }
}
