/// The summary agent: incremental, the previous summary plus every message after its watermark (never only the
/// latest), from redacted text only. The offline extractive summary is always kept up to date, so a fallback covers
/// every message too; with a language model configured, its summary is the result while it answers.
public struct SummaryAgent: IntelAgent {
    public let kind = IntelAgentKind.summary
    let summarizer = ExtractiveSummarizer()
    let model: (any IntelLanguageModel)?
    let states = IntelStateCache<State>()

    public init(model: (any IntelLanguageModel)? = nil) {
        self.model = model
    }

    struct State: Codable, Sendable {
        var offline = SummaryState()
        /// The model's latest summary, and the last message it covers.
        var model: ConversationSummary?
    }

    struct MessageView: Encodable {
        /// Whether the message is now part of the summary's coverage.
        var summarized: Bool
        var watermarkSeq: Int64
    }

    public func process(_ messages: [IntelMessage], of conversation: IntelConversation, state: String?) async throws -> IntelOutcome {
        var current = try states.decode(state, of: conversation) ?? State()
        let previousOffline = current.offline.summary
        current.offline = summarizer.adding(messages.map { SummaryInput(seq: $0.seq, role: $0.role, text: $0.text) }, to: current.offline)
        let watermark = current.offline.summary.watermarkSeq ?? messages.last?.seq ?? 0
        let annotations = try messages.map {
            IntelOutcome.Annotation(messageID: $0.id, seq: $0.seq, json: try IntelJSON.view(MessageView(summarized: true, watermarkSeq: watermark)))
        }
        guard let model else {
            return IntelOutcome(
                annotations: annotations, state: try states.encode(current, of: conversation), view: try IntelJSON.view(current.offline.summary),
                engine: ExtractiveSummarizer.engine
            )
        }
        // The model continues its own summary when that covers everything before these messages; otherwise (its
        // first call, or after a failure) it starts from the offline summary, which always does.
        let previous = current.model.flatMap { $0.watermarkSeq == previousOffline.watermarkSeq ? $0 : nil } ?? previousOffline
        do {
            var summary = try await LLMSummary(model: model).summarize(messages, previous: previous, of: conversation)
            summary.coveredMessages = current.offline.summary.coveredMessages
            summary.watermarkSeq = current.offline.summary.watermarkSeq
            current.model = summary
            return IntelOutcome(
                annotations: annotations, state: try states.encode(current, of: conversation), view: try IntelJSON.view(summary),
                engine: "llm:\(model.name)"
            )
        } catch {
            current.model = nil
            return IntelOutcome(
                annotations: annotations, state: try states.encode(current, of: conversation), view: try IntelJSON.view(current.offline.summary),
                engine: ExtractiveSummarizer.engine, degradedReason: IntelLanguageModelFailure.reason(error)
            )
        }
    }
}
