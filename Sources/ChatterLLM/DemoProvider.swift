import ChatterCore

/// The built-in offline provider: a deterministic reply with no model behind it, so Chatter
/// answers out of the box. Its usage is counted by the estimator and flagged `estimated`.
public struct DemoProvider: ChatProvider {
    public let name = "demo"
    public var genAISystem: String { "chatter.demo" }
    public static let models = ["echo"]
    private let estimator = TokenEstimator()
    private let tokenDelay: Duration

    public init(tokenDelay: Duration = .zero) {
        self.tokenDelay = tokenDelay
    }

    public func listModels() async throws -> [String]? { Self.models }

    /// The demo writes text only: it cannot call tools or honour stop sequences or provider-specific fields.
    public func unsupportedFields(in request: ChatRequest) -> [UnsupportedField] {
        var fields = request.fieldsOnlyOpenAIServersTake
        if !request.tools.isEmpty { fields.append(UnsupportedField("tools")) }
        if !request.stop.isEmpty { fields.append(UnsupportedField("stop")) }
        return fields
    }

    public func complete(_ request: ChatRequest) async throws -> ChatCompletion {
        let reply = Self.reply(to: request)
        return completion(request, reply: reply)
    }

    public func stream(_ request: ChatRequest, onDelta: @escaping @Sendable (ChatDelta) async -> Void) async throws -> ChatCompletion {
        let completion = completion(request, reply: Self.reply(to: request))
        for piece in Self.pieces(of: completion.content) {
            if tokenDelay > .zero { try await Task.sleep(for: tokenDelay) }
            await onDelta(.text(piece))
        }
        return completion
    }

    private func completion(_ request: ChatRequest, reply: String) -> ChatCompletion {
        let fullReply = truncated(reply, maxTokens: request.maxTokens)
        return ChatCompletion(
            content: fullReply.text,
            finishReason: fullReply.truncated ? "length" : "stop",
            usage: estimator.usage(messages: request.messages, output: fullReply.text),
            upstreamRequestID: nil,
            responseModel: request.model
        )
    }

    private func truncated(_ reply: String, maxTokens: Int?) -> (text: String, truncated: Bool) {
        guard let maxTokens, estimator.count(reply) > Int64(maxTokens) else { return (reply, false) }
        var text = ""
        for piece in Self.pieces(of: reply) {
            if estimator.count(text + piece) > Int64(maxTokens) { break }
            text += piece
        }
        return (text, true)
    }

    /// "You said: …" with the turn number, so a conversation's replies differ and can be checked.
    static func reply(to request: ChatRequest) -> String {
        let userTurns = request.messages.filter { $0.role == .user }
        let last = userTurns.last?.content ?? ""
        return "Echo #\(userTurns.count): \(last)"
    }

    /// Splits text into word-sized pieces that keep their leading whitespace, like streamed tokens.
    static func pieces(of text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            if character.isWhitespace && !current.isEmpty && !current.allSatisfy(\.isWhitespace) {
                pieces.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
