/// The LLM insights engine: one call reads the conversation's insights so far and its new messages.
struct LLMInsights {
    let model: any IntelLanguageModel

    static let system = """
        You analyse a customer support conversation. Personal data has been replaced by tokens such as [EMAIL]. \
        Given the conversation's insights so far and its new messages, answer with JSON only, in this shape: \
        {"intent": one of \(SupportIntent.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), \
        "urgency": "low" | "medium" | "high" | "critical", \
        "reasons": [{"kind": "impact_phrase" | "waiting_time" | "repeated_contact" | "worsening_sentiment" | "strong_negative", \
        "detail": <short text>}], "suggested_actions": [<up to 4 short actions for the support agent>], \
        "escalate": true | false, "escalation_reason": <text or null>, \
        "messages": [{"seq": <the message's seq>, "intent": <as above>, "urgency": <as above>}]}, one entry per new message.
        """

    struct Answer {
        var conversation: InsightsAgent.InsightsView
        var messages: [IntelOutcome.Annotation]
    }

    struct MessageView: Encodable {
        var intent: SupportIntent
        var urgency: Urgency
    }

    func analyse(_ messages: [IntelMessage], previous: InsightsAgent.InsightsView, of conversation: IntelConversation) async throws -> Answer {
        let prompt = "Insights so far: \(try IntelJSON.view(previous))\nNew messages:\n"
            + messages.map { "seq \($0.seq) (\($0.role.rawValue)): \($0.text)" }.joined(separator: "\n")
        let answer = try ModelAnswer(try await model.complete(system: Self.system, user: prompt, agent: .insights, for: conversation))
        let reasons = try answer.objects("reasons").map { reason in
            UrgencyReason(kind: try reason.choice("kind", as: UrgencyReason.Kind.self), detail: try reason.string("detail"))
        }
        let view = InsightsAgent.InsightsView(
            intent: try answer.choice("intent", as: SupportIntent.self), urgency: try answer.choice("urgency", as: Urgency.self),
            reasons: reasons, suggestedActions: Array(answer.strings("suggested_actions").prefix(4)),
            escalate: try answer.flag("escalate"), escalationReason: answer.optionalString("escalation_reason")
        )
        var bySeq: [Int64: MessageView] = [:]
        for entry in try answer.objects("messages") {
            bySeq[try entry.integer("seq")] = MessageView(
                intent: try entry.choice("intent", as: SupportIntent.self), urgency: try entry.choice("urgency", as: Urgency.self)
            )
        }
        let annotations = try messages.map { message in
            guard let result = bySeq[message.seq] else { throw IntelLanguageModelFailure("the model's answer skips message \(message.seq)") }
            return IntelOutcome.Annotation(messageID: message.id, seq: message.seq, json: try IntelJSON.view(result))
        }
        return Answer(conversation: view, messages: annotations)
    }
}
