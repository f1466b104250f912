/// The offline insights engine: support intent, urgency with its reasons, suggested actions and escalation, from
/// phrase rules and the offline sentiment engine. No network, no model; one pass over the message's words with a
/// hash lookup each, so the cost is linear in its length. Messages arrive already redacted; reasons quote them.
public struct InsightsAnalyzer: Sendable {
    /// How results of this engine are labelled where the engine that produced them must be recorded.
    public static let engine = "offline-rules"
    /// How much an agent message's intent evidence counts next to a customer's: agents name the topic too
    /// ("I've checked your invoice"), but it is the customer's issue that the conversation is about.
    public static let agentIntentWeight = 0.4

    let sentiment: SentimentAnalyzer

    public init() {
        sentiment = SentimentAnalyzer()
    }

    /// One message on its own, scoring its sentiment with the offline engine.
    public func analyze(_ text: String, role: SpeakerRole) -> MessageInsights {
        analyze(text, role: role, sentiment: sentiment.analyze(text))
    }

    /// One message on its own, with a sentiment already computed for it (the pipeline's sentiment agent has one).
    public func analyze(_ text: String, role: SpeakerRole, sentiment: SentimentResult) -> MessageInsights {
        MessageSignals(text, role: role, compound: sentiment.compound).insights
    }

    /// The message's insights in the light of the conversation so far, and the conversation's state with it folded
    /// in. A message at or before `state.lastSeq` was folded in already: the state comes back unchanged.
    public func adding(
        _ text: String,
        role: SpeakerRole,
        seq: Int64,
        to state: ConversationInsights
    ) -> (message: MessageInsights, conversation: ConversationInsights) {
        adding(text, role: role, seq: seq, sentiment: sentiment.analyze(text), to: state)
    }

    public func adding(
        _ text: String,
        role: SpeakerRole,
        seq: Int64,
        sentiment: SentimentResult,
        to state: ConversationInsights
    ) -> (message: MessageInsights, conversation: ConversationInsights) {
        var signals = MessageSignals(text, role: role, compound: sentiment.compound)
        if let lastSeq = state.lastSeq, seq <= lastSeq {
            return (signals.insights, state)
        }
        var next = state
        if role == .customer {
            next.sentimentTrend = state.sentimentTrend.adding(sentiment.compound)
            // A message that is not itself positive, in a run of customer messages sloping down.
            if next.isWorsening, sentiment.compound < SentimentLabel.neutralBand {
                let window = next.sentimentTrend.recent.count
                signals.raise(UrgencyReason(kind: .worseningSentiment, detail: "sentiment worsening over last \(window) messages"))
            }
        }
        let weight = role == .customer ? 1 : Self.agentIntentWeight
        return (signals.insights, next.folding(signals, role: role, seq: seq, weight: weight))
    }
}
