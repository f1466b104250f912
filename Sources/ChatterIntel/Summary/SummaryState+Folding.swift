extension SummaryState {
    /// Sentences with fewer words or content terms are greetings and acknowledgements, not worth quoting.
    static let minimumWords = 3
    static let minimumTerms = 2
    /// A next step is a full instruction or promise, not "I'll check."
    static let minimumNextStepWords = 4

    /// What a sentence's cues are worth next to its content score (typically 1 to 4).
    enum Bonus {
        static let opening = 1.0
        static let problem = 1.0
        static let action = 1.0
        static let outcome = 1.0
        static let commitment = 0.5
        static let filler = -1.5
        static let agentQuestion = -0.5
    }

    /// Folds one message in: every sentence is read once, and the work per sentence is bounded by the state's
    /// limits, so a message costs time linear in its length.
    mutating func fold(_ message: SummaryInput) {
        summary.coveredMessages += 1
        summary.watermarkSeq = message.seq
        switch message.role {
        case .customer: customerMessages += 1
        case .agent: agentMessages += 1
        }
        let opensConversation = message.role == .customer && customerMessages <= Self.openingMessages
        for sentence in SentenceSplitter.sentences(of: message.text) {
            read(sentence, of: message, opensConversation: opensConversation)
        }
        if termCounts.count >= 2 * Self.termLimit {
            pruneTerms()
        }
        if summary.coveredMessages % Self.rescoreInterval == 0 {
            for index in candidates.indices {
                candidates[index].score = SummarySentence.contentScore(of: candidates[index].terms, counts: termCounts) + candidates[index].bonus
            }
        }
    }

    private mutating func read(_ sentence: Substring, of message: SummaryInput, opensConversation: Bool) {
        let words = ChatWords(sentence).words
        let slots = SummaryVocabulary.table.slots(for: words)
        let terms = SummaryTerms.terms(of: words, slots: slots)
        // The count is read back in the same access that increments it: one hash per term instead of two.
        var content = 0.0
        for term in terms {
            content += Double(termCounts[term, default: 0].incremented()).squareRoot()
        }
        let isQuestion = sentence.hasSuffix("?")
        let reading = SentenceReading(words, slots: slots, role: message.role, isQuestion: isQuestion)
        if reading.unresolved {
            outcome = nil
        } else if let said = reading.outcome {
            outcome = said
        }
        sentencesRead += 1
        let isOpening = opensConversation && openingSentences < Self.openingLimit
        var bonus = 0.0
        if isOpening { bonus += Bonus.opening }
        if reading.problem { bonus += Bonus.problem }
        if reading.action { bonus += Bonus.action }
        if reading.outcome != nil { bonus += Bonus.outcome }
        if reading.commitment { bonus += Bonus.commitment }
        if reading.filler { bonus += Bonus.filler }
        if isQuestion, message.role == .agent { bonus += Bonus.agentQuestion }
        let quoted = SummarySentence(
            text: SummarySentence.clipped(sentence, to: SummarySentence.textLimit), seq: message.seq, speaker: message.role,
            position: sentencesRead, terms: terms, termMask: SummarySentence.termMask(of: terms), bonus: bonus,
            score: (terms.isEmpty ? 0 : content / Double(terms.count).squareRoot()) + bonus, isOpening: isOpening
        )
        // A question ("Could you share your booking reference?") is answered in the next turn: not a next step.
        if reading.commitment, !isQuestion, words.count >= Self.minimumNextStepWords {
            nextSteps.removeAll { $0.isNearDuplicate(of: quoted) }
            nextSteps.append(quoted)
            if nextSteps.count > Self.nextStepLimit { nextSteps.removeFirst() }
        }
        guard words.count >= Self.minimumWords, terms.count >= Self.minimumTerms else { return }
        // Said before: the first wording stays, rescored now that its terms are more frequent.
        if let earlier = candidates.lastIndex(where: { $0.isNearDuplicate(of: quoted) }) {
            candidates[earlier].score = SummarySentence.contentScore(of: candidates[earlier].terms, counts: termCounts) + candidates[earlier].bonus
            return
        }
        if isOpening { openingSentences += 1 }
        candidates.append(quoted)
        if candidates.count > Self.candidateLimit + Self.openingLimit + Self.recentLimit {
            evictWeakest()
        }
    }

    /// Drops the lowest-scored sentence that is neither part of the problem statement nor among the latest.
    private mutating func evictWeakest() {
        var weakest: Int?
        for index in candidates.indices.dropLast(Self.recentLimit) where !candidates[index].isOpening {
            if weakest.map({ candidates[index].score < candidates[$0].score }) ?? true {
                weakest = index
            }
        }
        if let weakest { candidates.remove(at: weakest) }
    }

    /// Keeps the `termLimit` most frequent terms (ties to the alphabetically first, so the result is
    /// deterministic). Pruning only at twice the limit makes its sort a small cost per new term.
    private mutating func pruneTerms() {
        let kept = termCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(Self.termLimit)
        termCounts = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
    }
}

extension Int {
    fileprivate mutating func incremented() -> Int {
        self += 1
        return self
    }
}
