extension ConversationInsights {
    /// Positive customer messages in a row after which the conversation's urgency steps down a level: the customer
    /// is saying things are fine ("thanks, that fixed it").
    static let calmingStreak = 3

    /// The state after one more message, whose signals already carry the conversation's trend.
    func folding(_ message: MessageSignals, role: SpeakerRole, seq: Int64, weight: Double) -> ConversationInsights {
        var next = self
        next.lastSeq = seq
        switch role {
        case .customer: next.customerMessages += 1
        case .agent: next.agentMessages += 1
        }
        var scores = scoresByOrdinal
        for intent in SupportIntent.ordered where message.intentScores[intent.ordinal] != 0 {
            scores[intent.ordinal] += message.intentScores[intent.ordinal] * weight
            next.intentScores[intent.rawValue] = scores[intent.ordinal]
        }
        (next.intent, next.intentConfidence) = IntentScoring.decide(scores, isQuestion: scores[SupportIntent.generalQuestion.ordinal] > 0)
        next.urgency = max(urgency, message.urgency)
        if role == .customer, isCalming(next.sentimentTrend) {
            next.urgency = max(message.urgency, next.urgency.lowered)
        }
        if message.urgency == .critical {
            next.criticalReason = message.reasons.first
        } else if next.urgency < .critical {
            next.criticalReason = nil
        }
        for reason in message.reasons {
            next.reasons.removeAll { $0 == reason }
            next.reasons.append(reason)
        }
        if next.reasons.count > Self.reasonLimit {
            next.reasons.removeFirst(next.reasons.count - Self.reasonLimit)
        }
        next.humanRequested = humanRequested || (role == .customer && message.asksForHuman)
        next.escalationReason = next.escalationCauses().joined(separator: "; ").nilIfEmpty
        next.escalate = next.escalationReason != nil
        next.suggestedActions = next.actions(scores: scores)
        return next
    }

    private func isCalming(_ trend: SentimentTrend) -> Bool {
        let latest = trend.recent.suffix(Self.calmingStreak)
        return latest.count == Self.calmingStreak && latest.allSatisfy { SentimentLabel(compound: $0) == .positive }
    }

    /// Escalate when it is critical, when the customer asks for someone in charge, or when it is high and either
    /// getting worse or not the first time.
    private func escalationCauses() -> [String] {
        var causes: [String] = []
        if urgency == .critical {
            causes.append(criticalReason.map { "critical urgency: \($0.detail)" } ?? "critical urgency")
        }
        if humanRequested {
            causes.append("customer asked for a manager or a human")
        }
        if urgency == .high, isWorsening {
            causes.append("high urgency and worsening sentiment")
        }
        if urgency == .high, let repeated = reasons.last(where: { $0.kind == .repeatedContact }) {
            causes.append("high urgency and repeated contact (\(repeated.detail))")
        }
        return causes
    }

    /// Most pressing first: escalation, handover, the intent's own action (and the runner-up's), then what the
    /// urgency reasons call for while the conversation is still urgent.
    private func actions(scores: [Double]) -> [String] {
        var actions: [String] = []
        if urgency == .critical { actions.append("Escalate to on-call / senior support") }
        if humanRequested { actions.append("Hand the conversation to a supervisor") }
        if let action = intent.suggestedAction { actions.append(action) }
        if let runnerUp = IntentScoring.runnerUp(scores, after: intent), let action = runnerUp.suggestedAction {
            actions.append(action)
        }
        if urgency >= .medium {
            if has(.repeatedContact) { actions.append("Read the earlier contacts before replying") }
            if has(.waitingTime) { actions.append("Apologise for the wait and give a time frame") }
            if has(.churnRisk), let action = SupportIntent.cancellation.suggestedAction { actions.append(action) }
            if has(.strongNegative) || has(.worseningSentiment) { actions.append("Acknowledge the customer's frustration") }
        }
        var distinct: [String] = []
        for action in actions where !distinct.contains(action) {
            distinct.append(action)
        }
        return Array(distinct.prefix(Self.actionLimit))
    }
}

extension String {
    fileprivate var nilIfEmpty: String? {
        isEmpty ? nil : self
    }
}
