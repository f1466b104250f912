/// What one matched phrase tells the insight rules.
struct InsightCue: Sendable {
    struct IntentEvidence: Sendable {
        var intent: SupportIntent
        var weight: Double
    }

    var intents: [IntentEvidence] = []
    var impact: Urgency?
    var waiting: Urgency?
    var repeatedContact: Urgency?
    /// What a repeated-contact reason says instead of the phrase ("third time" → "third contact").
    var repeatedDetail: String?
    var asksForHuman = false
    /// Matched only so that the words inside do not count: "in order to", "not urgent".
    var isNeutral = false

    /// Both cues' evidence, the stronger of the two where they overlap.
    func merged(with other: InsightCue) -> InsightCue {
        var merged = self
        for evidence in other.intents {
            if let index = merged.intents.firstIndex(where: { $0.intent == evidence.intent }) {
                merged.intents[index].weight = max(merged.intents[index].weight, evidence.weight)
            } else {
                merged.intents.append(evidence)
            }
        }
        merged.intents.sort { $0.intent.ordinal < $1.intent.ordinal }
        merged.impact = Self.higher(impact, other.impact)
        merged.waiting = Self.higher(waiting, other.waiting)
        merged.repeatedContact = Self.higher(repeatedContact, other.repeatedContact)
        merged.repeatedDetail = repeatedDetail ?? other.repeatedDetail
        merged.asksForHuman = asksForHuman || other.asksForHuman
        merged.isNeutral = isNeutral || other.isNeutral
        return merged
    }

    private static func higher(_ lhs: Urgency?, _ rhs: Urgency?) -> Urgency? {
        guard let lhs else { return rhs }
        guard let rhs else { return lhs }
        return max(lhs, rhs)
    }
}

/// Every phrase of `IntentPhrases` and `UrgencyPhrases`, and the word traits of `UrgencyRules` and
/// `WaitingTimeRule`, in one table, so that each word of a message costs one lookup for all the rules.
enum InsightVocabulary {
    static let table = PhraseTable(phrasesWithInheritedCues(), traits: InsightWordTraits.words, combine: { $0.merged(with: $1) })

    /// Matching takes the longest phrase and skips the words inside it, so a phrase also carries the cues of the
    /// shorter phrases it contains: "still not working" is repeated contact and, through "not working", a technical
    /// problem. Neutral phrases inherit nothing; that is what they are for.
    static func phrasesWithInheritedCues() -> [(phrase: String, payload: InsightCue)] {
        let cues = listedCues()
        var phrases: [(phrase: String, payload: InsightCue)] = []
        for (phrase, cue) in cues.sorted(by: { $0.key < $1.key }) {
            var inherited = cue
            let words = phrase.split(separator: " ")
            if !cue.isNeutral, words.count > 1 {
                for length in 1..<words.count {
                    for start in 0...(words.count - length) {
                        let inner = words[start..<(start + length)].joined(separator: " ")
                        if let innerCue = cues[inner], !innerCue.isNeutral {
                            inherited = inherited.merged(with: innerCue)
                        }
                    }
                }
            }
            phrases.append((phrase, inherited))
        }
        return phrases
    }

    private static func listedCues() -> [String: InsightCue] {
        var cues: [String: InsightCue] = [:]
        func add(_ phrase: String, _ cue: InsightCue) {
            cues[phrase] = cues[phrase].map { $0.merged(with: cue) } ?? cue
        }
        for (intent, phrases) in IntentPhrases.all {
            for (phrase, weight) in phrases {
                add(phrase, InsightCue(intents: [.init(intent: intent, weight: weight)]))
            }
        }
        for (phrase, level) in UrgencyPhrases.impact {
            add(phrase, InsightCue(impact: level))
        }
        for (phrase, level) in UrgencyPhrases.waiting {
            add(phrase, InsightCue(waiting: level))
        }
        for (phrase, level, detail) in UrgencyPhrases.repeatedContact {
            add(phrase, InsightCue(repeatedContact: level, repeatedDetail: detail))
        }
        for phrase in UrgencyPhrases.humanRequest {
            add(phrase, InsightCue(asksForHuman: true))
        }
        for phrase in IntentPhrases.neutral + UrgencyPhrases.neutral {
            add(phrase, InsightCue(isNeutral: true))
        }
        return cues
    }
}
