/// The insights agent: intent, urgency with its reasons, suggested actions and escalation, per message and for the
/// conversation. The offline rules always run (they keep the running state a fallback needs); with a language
/// model configured, its answer is the result, and the rules' stand in, marked degraded, when it fails.
public struct InsightsAgent: IntelAgent {
    public let kind = IntelAgentKind.insights
    let analyzer = InsightsAnalyzer()
    let model: (any IntelLanguageModel)?
    let states = IntelStateCache<State>()

    public init(model: (any IntelLanguageModel)? = nil) {
        self.model = model
    }

    struct State: Codable, Sendable {
        var offline = ConversationInsights()
        /// The model's latest conversation-level answer, which the next call starts from.
        var model: InsightsView?
    }

    /// The conversation's insights as clients read them, whichever engine produced them.
    struct InsightsView: Codable, Equatable {
        var intent: SupportIntent
        var intentConfidence: Double?
        var urgency: Urgency
        var reasons: [UrgencyReason]
        var suggestedActions: [String]
        var escalate: Bool
        var escalationReason: String?
        var customerMessages: Int?
        var agentMessages: Int?

        init(_ insights: ConversationInsights) {
            intent = insights.intent
            intentConfidence = insights.intentConfidence
            urgency = insights.urgency
            reasons = insights.reasons
            suggestedActions = insights.suggestedActions
            escalate = insights.escalate
            escalationReason = insights.escalationReason
            customerMessages = insights.customerMessages
            agentMessages = insights.agentMessages
        }

        init(
            intent: SupportIntent, urgency: Urgency, reasons: [UrgencyReason], suggestedActions: [String], escalate: Bool,
            escalationReason: String?
        ) {
            self.intent = intent
            self.urgency = urgency
            self.reasons = reasons
            self.suggestedActions = suggestedActions
            self.escalate = escalate
            self.escalationReason = escalationReason
        }
    }

    public func process(_ messages: [IntelMessage], of conversation: IntelConversation, state: String?) async throws -> IntelOutcome {
        var current = try states.decode(state, of: conversation) ?? State()
        var offlineAnnotations: [IntelOutcome.Annotation] = []
        for message in messages {
            let step = analyzer.adding(message.text, role: message.role, seq: message.seq, to: current.offline)
            current.offline = step.conversation
            offlineAnnotations.append(IntelOutcome.Annotation(messageID: message.id, seq: message.seq, json: try IntelJSON.view(step.message)))
        }
        guard let model else {
            return IntelOutcome(
                annotations: offlineAnnotations, state: try states.encode(current, of: conversation),
                view: try IntelJSON.view(InsightsView(current.offline)),
                engine: InsightsAnalyzer.engine
            )
        }
        do {
            let answer = try await LLMInsights(model: model).analyse(messages, previous: current.model ?? InsightsView(current.offline), of: conversation)
            current.model = answer.conversation
            return IntelOutcome(
                annotations: answer.messages, state: try states.encode(current, of: conversation), view: try IntelJSON.view(answer.conversation),
                engine: "llm:\(model.name)"
            )
        } catch {
            current.model = nil
            return IntelOutcome(
                annotations: offlineAnnotations, state: try states.encode(current, of: conversation),
                view: try IntelJSON.view(InsightsView(current.offline)),
                engine: InsightsAnalyzer.engine, degradedReason: IntelLanguageModelFailure.reason(error)
            )
        }
    }
}
