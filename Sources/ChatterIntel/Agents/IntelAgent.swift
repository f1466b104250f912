import Foundation

/// The four conversation-intelligence agents; each is a consumer group of the event log.
public enum IntelAgentKind: String, Sendable, Codable, CaseIterable {
    case pii, sentiment, insights, summary
}

/// A message as an agent sees it. The PII agent gets the text as written; every other agent gets it redacted,
/// so no raw personal data reaches a summary, an LLM prompt or a log.
public struct IntelMessage: Sendable, Equatable {
    public var id: String
    public var seq: Int64
    public var role: SpeakerRole
    public var text: String

    public init(id: String, seq: Int64, role: SpeakerRole, text: String) {
        self.id = id
        self.seq = seq
        self.role = role
        self.text = text
    }
}

/// The conversation an agent is working on: whose it is, for attributing LLM engine calls in the ledger.
public struct IntelConversation: Sendable, Equatable {
    public var tenantID: String
    public var userID: String
    public var conversationID: String

    public init(tenantID: String, userID: String, conversationID: String) {
        self.tenantID = tenantID
        self.userID = userID
        self.conversationID = conversationID
    }
}

/// What an agent made of one conversation's new messages: a result per message, and the conversation's new
/// running state (`state`, which the agent folds the next messages into) and `view` (what clients read), both
/// JSON objects.
public struct IntelOutcome: Sendable {
    public struct Annotation: Sendable {
        public var messageID: String
        public var seq: Int64
        public var json: String

        public init(messageID: String, seq: Int64, json: String) {
            self.messageID = messageID
            self.seq = seq
            self.json = json
        }
    }

    public var annotations: [Annotation]
    public var state: String
    public var view: String
    /// The engine that produced the result, e.g. `offline-lexicon` or `llm:openai/gpt-4o-mini`.
    public var engine: String
    /// Set when the configured engine failed and the offline engine's result stands in for it.
    public var degradedReason: String?
    /// Whether the conversation has contained personal data (the PII agent's; false for the others).
    public var hasPII: Bool

    public init(annotations: [Annotation], state: String, view: String, engine: String, degradedReason: String? = nil, hasPII: Bool = false) {
        self.annotations = annotations
        self.state = state
        self.view = view
        self.engine = engine
        self.degradedReason = degradedReason
        self.hasPII = hasPII
    }
}

/// One agent: folds a conversation's new messages (in seq order, all after the state's watermark) into its
/// running state. A thrown error means the messages were not analysed; the pipeline retries, then dead-letters.
public protocol IntelAgent: Sendable {
    var kind: IntelAgentKind { get }
    func process(_ messages: [IntelMessage], of conversation: IntelConversation, state: String?) async throws -> IntelOutcome
}

/// JSON for agent states (Swift's own keys, read back by the agent) and views (snake_case keys, for clients),
/// with sorted keys so that equal results are equal text.
enum IntelJSON {
    static func state(_ value: some Encodable) throws -> String {
        try IntelJSONEncoder().encode(value)
    }

    static func view(_ value: some Encodable) throws -> String {
        try IntelJSONEncoder(snakeCaseKeys: true).encode(value)
    }

    static func decodeState<T: Decodable>(_ type: T.Type, from json: String?) throws -> T? {
        guard let json else { return nil }
        return try JSONDecoder().decode(type, from: Data(json.utf8))
    }
}
