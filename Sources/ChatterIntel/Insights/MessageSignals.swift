import ChatterCore
/// Everything the insight rules read from one message on its own: intent evidence, urgency findings, a request for
/// a manager, and its sentiment. The conversation adds what only history shows (a worsening trend).
struct MessageSignals {
    /// Compound score at or below which one customer message raises urgency by a level on its own.
    static let strongNegative = -0.6
    /// Compound score at or below which a cancellation is a churn risk. Not just below neutral: "cancel" itself
    /// scores negative in the lexicon, so a plain "I need to cancel my order" already is.
    static let churnNegative = -0.3

    /// Indexed by `SupportIntent.ordinal`.
    var intentScores: [Double]
    var isQuestion: Bool
    var intent: SupportIntent
    var intentConfidence: Double
    var urgency = Urgency.low
    var reasons: [UrgencyReason] = []
    var asksForHuman = false
    var compound: Double

    /// Words that open a question even when the customer leaves out the question mark.
    static let questionOpeners: Set<String> = [
        "how", "what", "when", "where", "why", "which", "who", "can", "could", "would", "will", "does", "do", "is", "are",
    ]

    /// Urgency is read from customer messages only: the answering side echoes and promises ("I understand this is
    /// urgent", "within 24 hours"), which would read as the customer's urgency.
    init(_ text: String, role: SpeakerRole, compound: Double) {
        let text = InsightText(text)
        self.compound = compound
        isQuestion = text.questionMarks > 0 || text.traits.first?.contains(.questionOpener) == true
        intentScores = [Double](repeating: 0, count: SupportIntent.ordered.count)
        var findings: [UrgencyRules.Finding] = []
        for (range, cue) in InsightVocabulary.table.matches(in: text.words, slots: text.slots) where !cue.isNeutral {
            for evidence in cue.intents {
                intentScores[evidence.intent.ordinal] += evidence.weight
            }
            guard role == .customer else { continue }
            let phrase = text.phrase(range)
            if let level = cue.impact {
                findings.append(.init(level: level, reason: UrgencyReason(kind: .impactPhrase, detail: phrase)))
            }
            if let level = cue.waiting {
                let detail = phrase.hasPrefix("since") || phrase.hasPrefix("for") || phrase.hasPrefix("all") ? "waiting \(phrase)" : phrase
                findings.append(.init(level: level, reason: UrgencyReason(kind: .waitingTime, detail: detail)))
            }
            if let level = cue.repeatedContact {
                findings.append(.init(level: level, reason: UrgencyReason(kind: .repeatedContact, detail: cue.repeatedDetail ?? phrase)))
            }
            asksForHuman = asksForHuman || cue.asksForHuman
        }
        if text.questionMarks > 0 {
            intentScores[SupportIntent.generalQuestion.ordinal] += IntentPhrases.questionMarkWeight
        }
        (intent, intentConfidence) = IntentScoring.decide(intentScores, isQuestion: isQuestion)
        guard role == .customer else { return }
        findings += UrgencyRules.outages(in: text)
        findings += WaitingTimeRule.waits(in: text)
        findings += UrgencyRules.recurrences(in: text)
        findings += UrgencyRules.ticketReferences(in: text)
        asksForHuman = asksForHuman || UrgencyRules.asksForAuthority(in: text)
        // Strongest first (the sort is stable), so the reason that set the urgency leads.
        for finding in findings.sorted(by: { $0.level > $1.level }) {
            urgency = max(urgency, finding.level)
            add(finding.reason)
        }
        applySentiment()
    }

    /// Someone cancelling in anger is about to be lost: medium at least. A very negative message raises urgency a
    /// level, whatever else it says.
    private mutating func applySentiment() {
        if intent == .cancellation, compound <= Self.churnNegative {
            urgency = max(urgency, .medium)
            add(UrgencyReason(kind: .churnRisk, detail: "cancelling with negative sentiment"))
        }
        if compound <= Self.strongNegative {
            raise(UrgencyReason(kind: .strongNegative, detail: "sentiment \(compound.twoDecimals)"))
        }
    }

    mutating func raise(_ reason: UrgencyReason) {
        urgency = urgency.raised
        add(reason)
    }

    private mutating func add(_ reason: UrgencyReason) {
        if !reasons.contains(reason) { reasons.append(reason) }
    }

    var insights: MessageInsights {
        MessageInsights(intent: intent, intentConfidence: intentConfidence, urgency: urgency, reasons: reasons)
    }
}
