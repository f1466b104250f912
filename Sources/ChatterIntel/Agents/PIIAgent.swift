/// The PII agent: deterministic recognizers on the text as written. Its results hold types, positions, value
/// hashes, masked previews and the redacted text, never a raw value.
public struct PIIAgent: IntelAgent {
    public let kind = IntelAgentKind.pii
    let detector: PIIDetector
    let states = IntelStateCache<PIIConversationSummary>()

    public init(detector: PIIDetector = PIIDetector()) {
        self.detector = detector
    }

    struct EntityView: Encodable {
        var type: String
        var start: Int
        var end: Int
        var confidence: Double
        var valueHash: String
        var preview: String?
    }

    struct MessageView: Encodable {
        var hasPII: Bool
        var redactedText: String
        var entities: [EntityView]
    }

    /// The values most recently seen that a view lists; `counts` covers them all.
    static let viewItemLimit = 20

    struct ConversationView: Encodable {
        var hasPII: Bool
        var counts: [String: Int]
        /// The most recently seen distinct values, newest first.
        var items: [PIIConversationSummary.Item]
    }

    public func process(_ messages: [IntelMessage], of conversation: IntelConversation, state: String?) async throws -> IntelOutcome {
        var summary = try states.decode(state, of: conversation) ?? PIIConversationSummary()
        var annotations: [IntelOutcome.Annotation] = []
        for message in messages {
            let result = detector.analyze(message.text)
            summary = summary.merging(result, messageSeq: message.seq)
            let view = MessageView(
                hasPII: result.hasPII, redactedText: result.redactedText,
                entities: result.entities.map {
                    EntityView(
                        type: $0.type.rawValue, start: $0.range.lowerBound, end: $0.range.upperBound, confidence: $0.confidence,
                        valueHash: $0.valueHash, preview: $0.redactedPreview
                    )
                }
            )
            annotations.append(IntelOutcome.Annotation(messageID: message.id, seq: message.seq, json: try IntelJSON.view(view)))
        }
        let recent = Array(summary.items.sorted { $0.lastSeenSeq > $1.lastSeenSeq }.prefix(Self.viewItemLimit))
        return IntelOutcome(
            annotations: annotations, state: try states.encode(summary, of: conversation),
            view: try IntelJSON.view(ConversationView(hasPII: summary.hasPII, counts: summary.distinctCounts, items: recent)),
            engine: PIIDetector.engine, hasPII: summary.hasPII
        )
    }
}
