/// How soon a conversation needs a person's attention.
public enum Urgency: String, Sendable, Codable, CaseIterable, Comparable {
    case low, medium, high, critical

    public static func < (lhs: Urgency, rhs: Urgency) -> Bool {
        lhs.level < rhs.level
    }

    private var level: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        case .critical: 3
        }
    }

    /// One level up, `critical` staying critical.
    var raised: Urgency {
        switch self {
        case .low: .medium
        case .medium: .high
        case .high, .critical: .critical
        }
    }

    /// One level down, `low` staying low.
    var lowered: Urgency {
        switch self {
        case .low, .medium: .low
        case .high: .medium
        case .critical: .high
        }
    }
}

/// Why a message or conversation got its urgency: the kind of evidence and what it was, in words taken from the
/// (already redacted) message or a short description, never a raw value.
public struct UrgencyReason: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The customer says what is at stake: "production is down", "losing money", "urgent".
        case impactPhrase = "impact_phrase"
        /// The customer has been waiting: "waiting 3 days", "since yesterday".
        case waitingTime = "waiting_time"
        /// Not the first contact about this: "third contact", "still not fixed".
        case repeatedContact = "repeated_contact"
        /// The customer's messages are getting more negative.
        case worseningSentiment = "worsening_sentiment"
        /// One customer message is very negative.
        case strongNegative = "strong_negative"
        /// The customer wants to cancel and is unhappy: a customer about to be lost.
        case churnRisk = "churn_risk"
    }

    public var kind: Kind
    /// The matched phrase ("production is down") or a short description ("sentiment worsening over last 5 messages").
    public var detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }
}
