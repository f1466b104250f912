/// What one matched phrase says about the sentence it is in, for the summarizer.
struct SentenceCue: Sendable {
    /// Commits to a next step, whoever says it: "I will", "we'll", "follow up", "let me know".
    var commitment = false
    /// Asks the other side to do something; a next step when the agent says it ("please", "could you").
    var request = false
    /// The agent did or offers something: "I've issued", "I checked", "we can offer".
    var action = false
    /// The customer states a problem: "can't", "error", "charged".
    var problem = false
    /// Politeness that carries no content: "thanks for reaching out", "happy to help".
    var filler = false
    /// The issue ended this way: "resolved", "refund issued".
    var outcome: String?
    /// The issue is not over: "still not working", "didn't work".
    var unresolved = false
    /// Matched only so that the words inside do not count: "will be fixed" is not "fixed".
    var isNeutral = false

    func merged(with other: SentenceCue) -> SentenceCue {
        SentenceCue(
            commitment: commitment || other.commitment, request: request || other.request, action: action || other.action,
            problem: problem || other.problem, filler: filler || other.filler, outcome: outcome ?? other.outcome,
            unresolved: unresolved || other.unresolved, isNeutral: isNeutral || other.isNeutral
        )
    }
}

/// One sentence's cues, read from its words in one pass.
struct SentenceReading {
    var commitment = false
    var action = false
    var problem = false
    var filler = false
    var outcome: String?
    var unresolved = false

    /// Questions neither report an outcome ("is it fixed?") nor state one.
    init(_ words: [ChatWord], slots: [PhraseTable<SentenceCue>.Slot?], role: SpeakerRole, isQuestion: Bool) {
        for (_, cue) in SummaryVocabulary.table.matches(in: words, slots: slots) where !cue.isNeutral {
            commitment = commitment || cue.commitment || (cue.request && role == .agent)
            action = action || (cue.action && role == .agent)
            problem = problem || (cue.problem && role == .customer)
            filler = filler || cue.filler
            unresolved = unresolved || cue.unresolved
            if let cueOutcome = cue.outcome, !isQuestion { outcome = cueOutcome }
        }
        commitment = commitment || Self.hasDeadline(words)
        if unresolved { outcome = nil }
    }

    /// "within 24 hours", "within two business days": a promise with a time limit.
    private static func hasDeadline(_ words: [ChatWord]) -> Bool {
        for index in words.indices where words[index].text == "within" && !words[index].endsClause {
            guard index + 1 < words.count else { return false }
            let next = words[index + 1]
            // "24", "two", or digits with their unit ("48h").
            let startsWithDigit = next.text.utf8.first.map { (0x30...0x39).contains($0) } ?? false
            if next.number != nil || startsWithDigit || WaitingTimeRule.numberWords[next.text] != nil {
                return true
            }
        }
        return false
    }
}
