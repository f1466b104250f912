/// What the insight rules concluded about one message.
public struct MessageInsights: Sendable, Codable, Equatable {
    public var intent: SupportIntent
    /// 0 ... 1: how much of the message's intent evidence points at `intent`, and how strong it is.
    public var intentConfidence: Double
    public var urgency: Urgency
    /// The evidence for `urgency`, the strongest first; empty when it is `low` for want of any.
    public var reasons: [UrgencyReason]

    public init(intent: SupportIntent, intentConfidence: Double, urgency: Urgency, reasons: [UrgencyReason]) {
        self.intent = intent
        self.intentConfidence = intentConfidence
        self.urgency = urgency
        self.reasons = reasons
    }
}
