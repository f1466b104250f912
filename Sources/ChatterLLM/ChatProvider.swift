import ChatterCore

public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// What Chatter asks of a model, whatever the provider.
public struct ChatRequest: Sendable {
    public var model: String
    public var messages: [ChatMessage]
    public var temperature: Double?
    public var maxTokens: Int?

    public init(model: String, messages: [ChatMessage], temperature: Double? = nil, maxTokens: Int? = nil) {
        self.model = model
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
    }
}

/// A finished call: the text, why it stopped, and its usage in Chatter's one `Usage` shape.
public struct ChatCompletion: Sendable {
    public var content: String
    public var finishReason: String?
    public var usage: Usage
    public var upstreamRequestID: String?
    /// The model the provider says answered (may differ from the requested alias).
    public var responseModel: String?

    public init(content: String, finishReason: String?, usage: Usage, upstreamRequestID: String?, responseModel: String?) {
        self.content = content
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

    public init(_ kind: Kind, _ message: String, upstreamRequestID: String? = nil, partialContent: String = "", reportedUsage: Usage? = nil) {
        self.kind = kind
        self.message = message
        self.upstreamRequestID = upstreamRequestID
        self.partialContent = partialContent
        self.reportedUsage = reportedUsage
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

    /// The models the provider serves, or nil when it cannot list them.
    func listModels() async throws -> [String]?

    func complete(_ request: ChatRequest) async throws -> ChatCompletion

    /// Streams text deltas to `onDelta` and returns the completed call once the upstream has finished,
    /// reading to the end even if the consumer of the deltas has gone away.
    func stream(_ request: ChatRequest, onDelta: @escaping @Sendable (String) async -> Void) async throws -> ChatCompletion
}
