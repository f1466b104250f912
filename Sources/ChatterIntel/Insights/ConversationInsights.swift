/// The conversation's running insights: what it is about, how urgent it is and why, what to do next and whether to
/// escalate. A value type: fold messages in, in order, with `InsightsAnalyzer.adding(_:role:seq:to:)`, and store the
/// result with the conversation.
public struct ConversationInsights: Sendable, Codable, Equatable {
    /// How many reasons are kept: the most recent ones, so the list stays bounded over long conversations.
    public static let reasonLimit = 10
    public static let actionLimit = 4

    public var intent: SupportIntent
    public var intentConfidence: Double
    /// Accumulated evidence per intent, keyed by `SupportIntent.rawValue`, every case present. Customer messages
    /// count fully, agent messages at `InsightsAnalyzer.agentIntentWeight`.
    public var intentScores: [String: Double]
    public var urgency: Urgency
    /// While `urgency` is critical, the leading reason of the message that made it so.
    public var criticalReason: UrgencyReason?
    /// Distinct by kind and detail, oldest first; a reason seen again moves to the end.
    public var reasons: [UrgencyReason]
    /// What the answering side should do next, most pressing first, at most `actionLimit`.
    public var suggestedActions: [String]
    public var escalate: Bool
    /// Why `escalate` is set: each cause, separated by "; ". Nil when it is not.
    public var escalationReason: String?
    public var customerMessages: Int
    public var agentMessages: Int
    /// The last message folded in; messages at or before it are ignored, so redelivery cannot count twice.
    public var lastSeq: Int64?
    /// The customer's messages only: the answering side's tone says little about the customer's mood.
    public var sentimentTrend: SentimentTrend
    /// The customer has asked for a manager, supervisor or human. It stays set: the request is not withdrawn by
    /// later messages.
    public var humanRequested: Bool

    public init() {
        intent = .other
        intentConfidence = 0
        intentScores = Dictionary(uniqueKeysWithValues: SupportIntent.allCases.map { ($0.rawValue, 0.0) })
        urgency = .low
        criticalReason = nil
        reasons = []
        suggestedActions = []
        escalate = false
        escalationReason = nil
        customerMessages = 0
        agentMessages = 0
        lastSeq = nil
        sentimentTrend = SentimentTrend()
        humanRequested = false
    }

    /// `intentScores` as an array indexed by `SupportIntent.ordinal`.
    var scoresByOrdinal: [Double] {
        SupportIntent.ordered.map { intentScores[$0.rawValue] ?? 0 }
    }

    /// A trend of at least three customer messages that slopes down. Two messages are too few to call a trend.
    var isWorsening: Bool {
        sentimentTrend.direction == .worsening && sentimentTrend.recent.count >= 3
    }

    func has(_ kind: UrgencyReason.Kind) -> Bool {
        reasons.contains { $0.kind == kind }
    }
}
